import { Readable } from 'node:stream';
import type { HttpSettings } from '../../../machines/host/plan.ts';
import { DEFAULT_DOWNLOAD_STALL_SECONDS } from './backends-config.ts';
import { sendRequest } from './http-request.ts';
import { failureReason } from './request-failure.ts';
import type { IncomingMessage } from 'node:http';
import { SnfImageError } from '../../errors.ts';

/** Statuses whose response has no body, which Response refuses to be given one. */
const NULL_BODY = new Set([101, 204, 205, 304]);

/**
 * A fetch for config_url and os_answer_file that goes where image downloads
 * go: through HTTP_PROXY or HTTPS_PROXY unless NO_PROXY names the host,
 * trusting CA_BUNDLE's authorities. Node 20's fetch takes no proxy, so this
 * one is node:http underneath. It sends GET with the caller's headers and
 * signal, and follows redirects, which is all its callers ask.
 */
export function fetchWithHttpSettings(http: HttpSettings): typeof globalThis.fetch {
  return async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const signal = init?.signal ?? new AbortController().signal;
    const headers = Object.fromEntries(new Headers(init?.headers).entries());
    let response: IncomingMessage;
    try {
      response = await sendRequest(url, { method: 'GET', signal, stallMs: DEFAULT_DOWNLOAD_STALL_SECONDS * 1000, http, headers });
    } catch (error) {
      // The callers put the message in their own sentence; an untrusted certificate's says what to do.
      if ((error as Error).name === 'AbortError' || error instanceof SnfImageError) throw error;
      throw new Error(failureReason(error as NodeJS.ErrnoException, http.caBundle), { cause: error });
    }
    const status = response.statusCode ?? 0;
    const body = NULL_BODY.has(status) ? null : (Readable.toWeb(response) as ReadableStream<Uint8Array>);
    if (body === null) response.destroy();
    const responseHeaders = new Headers();
    for (const [name, value] of Object.entries(response.headers)) {
      for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) responseHeaders.append(name, one);
    }
    return new Response(body, { status, statusText: response.statusMessage ?? '', headers: responseHeaders });
  };
}
