import { AbortedError } from '../../effects/effect.ts';
import { SnfImageError } from '../../errors.ts';
import type { ByteSource } from './byte-source.ts';
import { DEFAULT_DOWNLOAD_STALL_SECONDS } from './backends-config.ts';
import { BodyOverrun } from './http-body.ts';
import type { HttpResponse } from './http-get.ts';
import { sendGet, sendRequest } from './http-request.ts';
import { failureReason } from './request-failure.ts';
import type { SourceBackend } from './source-backend.ts';
import type { BackendsConfig } from '../../../machines/host/plan.ts';

/** snf-image's probe: http, https, ftp and ftps URLs. */
const NETWORK_URL = /^(https?|ftps?):/i;

export class ImageDownloadFailed extends SnfImageError {
  override readonly name = 'ImageDownloadFailed';
  constructor(readonly url: string, reason: string) {
    super(`downloading the image from ${url} failed: ${reason}`);
  }
}

export class UnsupportedImageUrl extends SnfImageError {
  override readonly name = 'UnsupportedImageUrl';
  constructor(readonly url: string) {
    super(`img_id ${url}: ftp and ftps images are not supported; serve the image over http(s) or put it in IMAGE_DIR`);
  }
}

/**
 * A URL as it may appear in a message: no user, password or query string,
 * which for pre-signed object-store URLs carries the credentials.
 */
export function printableUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}${u.search ? '?...' : ''}`;
  } catch {
    return '(an unparsable URL)';
  }
}

/** Statuses with which a server refuses HEAD but may well answer GET (pre-signed URLs are signed for GET only). */
const HEAD_REFUSED = new Set([403, 405, 501]);

export const networkSource: SourceBackend = {
  name: 'network',
  defaultPriority: 20,
  accepts: (imageId) => NETWORK_URL.test(imageId),
  async inspect(url, config, signal) {
    requireHttp(url);
    const response = await request(url, 'HEAD', signal, config, () => sendRequest(url, { method: 'HEAD', signal, stallMs: stallMs(config), http: config.http }));
    response.destroy();
    const status = response.statusCode ?? 0;
    if (HEAD_REFUSED.has(status)) {
      return { size: undefined, warnings: [`${printableUrl(url)} refused HEAD (${status}): the image size is known once the download starts`] };
    }
    if (!isSuccess(status)) throw new ImageDownloadFailed(printableUrl(url), `the server answered ${status} ${response.statusMessage ?? ''}`.trim());
    return { size: contentLength(response.headers['content-length']), warnings: [] };
  },
  async open(url, config, signal) {
    requireHttp(url);
    const response = await request(url, 'GET', signal, config, () => sendGet(url, { signal, stallMs: stallMs(config), http: config.http }));
    if (!isSuccess(response.status)) {
      response.destroy();
      throw new ImageDownloadFailed(printableUrl(url), `the server answered ${response.status} ${response.statusMessage}`.trim());
    }
    return responseSource(printableUrl(url), response, contentLength(response.headers['content-length']));
  },
};

function requireHttp(url: string): void {
  if (!/^https?:/i.test(url)) throw new UnsupportedImageUrl(printableUrl(url));
}

function stallMs(config: BackendsConfig): number {
  return (config.downloadStallSeconds ?? DEFAULT_DOWNLOAD_STALL_SECONDS) * 1000;
}

/** `send`'s answer, its failure told as a download failure of `url`. */
async function request<T>(url: string, method: 'HEAD' | 'GET', signal: AbortSignal, config: BackendsConfig, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    if (signal.aborted) throw new AbortedError(`${method} ${printableUrl(url)}`);
    if (error instanceof SnfImageError) throw error;
    throw new ImageDownloadFailed(printableUrl(url), failureReason(error as NodeJS.ErrnoException, config.http?.caBundle));
  }
}


function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

function contentLength(header: string | undefined): number | undefined {
  return header !== undefined && /^\d+$/.test(header.trim()) ? Number(header.trim()) : undefined;
}

/** Node's parser errors for bytes after the end of an answer (Content-Length reached, or the last chunk). */
const BYTES_PAST_THE_ANSWER = new Set(['HPE_CLOSED_CONNECTION', 'HPE_INVALID_CONSTANT']);

/**
 * The response body as a ByteSource. A connection that closes before the
 * body is complete (short of Content-Length, or inside a chunked body) makes
 * the read fail, naming how far the download got; so do bytes past the end
 * the server announced.
 */
function responseSource(url: string, response: HttpResponse, size: number | undefined): ByteSource {
  let received = 0;
  let closed = false;
  return {
    size,
    async read(into) {
      if (closed) return 0;
      let n: number;
      try {
        n = await response.read(into);
      } catch (error) {
        if ((error as Error).name === 'AbortError') throw error;
        const code = (error as NodeJS.ErrnoException).code;
        if (error instanceof BodyOverrun || (code !== undefined && BYTES_PAST_THE_ANSWER.has(code))) {
          throw new ImageDownloadFailed(
            url,
            `the server sent more bytes than ${size === undefined ? 'its chunked encoding' : `the ${size}`} announced (${code ?? (error as Error).message}): what it serves is not the image it describes`,
          );
        }
        const reason = `${(error as Error).message}${code ? `, ${code}` : ''}`;
        throw new ImageDownloadFailed(url, `the connection was lost after ${received} bytes (${reason})`);
      }
      received += n;
      return n;
    },
    async close() {
      closed = true;
      response.destroy();
    },
  };
}
