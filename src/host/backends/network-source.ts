import { AbortedError } from '../../effects/effect.ts';
import { SnfImageError } from '../../errors.ts';
import type { ByteSource } from '../copy/byte-source.ts';
import type { SourceBackend } from './source-backend.ts';

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

/** Ask for the bytes as stored: a compressed transfer would not match Content-Length. */
const REQUEST_HEADERS = { 'accept-encoding': 'identity' };

export const networkSource: SourceBackend = {
  name: 'network',
  defaultPriority: 20,
  accepts: (imageId) => NETWORK_URL.test(imageId),
  async inspect(url, _config, signal) {
    requireHttp(url);
    const response = await request(url, 'HEAD', signal);
    if (HEAD_REFUSED.has(response.status)) {
      return { size: undefined, warnings: [`${printableUrl(url)} refused HEAD (${response.status}): the image size is known once the download starts`] };
    }
    if (!response.ok) throw new ImageDownloadFailed(printableUrl(url), `the server answered ${response.status} ${response.statusText}`);
    return { size: contentLength(response), warnings: [] };
  },
  async open(url, _config, signal) {
    requireHttp(url);
    const response = await request(url, 'GET', signal);
    if (!response.ok || response.body === null) {
      await response.body?.cancel();
      throw new ImageDownloadFailed(printableUrl(url), `the server answered ${response.status} ${response.statusText}`);
    }
    return responseSource(printableUrl(url), response.body.getReader(), contentLength(response));
  },
};

function requireHttp(url: string): void {
  if (!/^https?:/i.test(url)) throw new UnsupportedImageUrl(printableUrl(url));
}

async function request(url: string, method: 'HEAD' | 'GET', signal: AbortSignal): Promise<Response> {
  try {
    return await fetch(url, { method, signal, headers: REQUEST_HEADERS, redirect: 'follow' });
  } catch (error) {
    if (signal.aborted) throw new AbortedError(`${method} ${printableUrl(url)}`);
    throw new ImageDownloadFailed(printableUrl(url), describeFetchError(error));
  }
}

function contentLength(response: Response): number | undefined {
  const header = response.headers.get('content-length');
  return header !== null && /^\d+$/.test(header.trim()) ? Number(header.trim()) : undefined;
}

/** fetch reports "fetch failed" or "terminated"; the cause says what happened (ECONNREFUSED, other side closed). */
function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { message?: string; code?: string } }).cause;
  const detail = cause?.message ?? cause?.code;
  const message = error instanceof Error ? error.message : String(error);
  return detail ? `${message} (${detail})` : message;
}

function responseSource(url: string, reader: ReadableStreamDefaultReader<Uint8Array>, size: number | undefined): ByteSource {
  let pending: Uint8Array | undefined;
  let received = 0;
  let done = false;
  return {
    size,
    async read(into) {
      while (pending === undefined || pending.length === 0) {
        if (done) return 0;
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (error) {
          if ((error as Error).name === 'AbortError') throw error;
          throw new ImageDownloadFailed(url, `the transfer broke off after ${received} bytes: ${describeFetchError(error)}`);
        }
        if (chunk.done) done = true;
        else pending = chunk.value;
      }
      const n = Math.min(into.length, pending.length);
      into.set(pending.subarray(0, n));
      pending = pending.subarray(n);
      received += n;
      return n;
    },
    async close() {
      if (done) return;
      done = true;
      await reader.cancel().catch(() => {});
    },
  };
}
