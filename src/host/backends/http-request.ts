import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { plainHttpGet, type HttpResponse } from './plain-http-get.ts';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 10;

/**
 * Sends a HEAD request and resolves with the response once its headers are
 * in, following redirects as curl -L does. node:http rather than fetch:
 * its responses are Node streams, which carry far less work per chunk than
 * fetch's web streams. Network failures reject with the error Node gives
 * (its code says what happened: ECONNREFUSED, ...).
 */
export async function sendHead(url: string, signal: AbortSignal, stallMs: number): Promise<IncomingMessage> {
  let current = new URL(url);
  for (let hop = 0; ; hop++) {
    const response = await requestOnce(current, 'HEAD', signal, stallMs);
    const location = response.headers.location;
    if (!REDIRECTS.has(response.statusCode ?? 0) || location === undefined || hop === MAX_REDIRECTS) return response;
    response.destroy();
    current = new URL(location, current);
  }
}

/**
 * GET, following redirects. Plain http goes over a socket of our own
 * (plain-http-get.ts), whose body comes into the caller's buffers without
 * a Buffer per packet; https through node:https, whose TLS layer has no
 * such mode.
 */
export async function sendGet(url: string, signal: AbortSignal, stallMs: number): Promise<HttpResponse> {
  let current = new URL(url);
  for (let hop = 0; ; hop++) {
    const response = current.protocol === 'http:' ? await plainHttpGet(current, signal, stallMs) : messageResponse(await requestOnce(current, 'GET', signal, stallMs));
    const location = response.headers.location;
    if (!REDIRECTS.has(response.status) || location === undefined || hop === MAX_REDIRECTS) return response;
    response.destroy();
    current = new URL(location, current);
  }
}

/**
 * A server that goes `stallMs` without sending anything, before or during
 * the body, has the connection destroyed with an error that says so.
 */
function requestOnce(url: URL, method: 'HEAD' | 'GET', signal: AbortSignal, stallMs: number): Promise<IncomingMessage> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    // Ask for the bytes as stored: a compressed transfer would not match Content-Length.
    let response: IncomingMessage | undefined;
    const req = send(url, { method, signal, headers: { 'accept-encoding': 'identity' } }, (res) => {
      response = res;
      resolve(res);
    });
    req.setTimeout(stallMs, () => {
      // Destroying the response with the reason, not just the request, makes the body's reader see why it ended.
      const error = new Error(`the server sent nothing for ${stallMs / 1000} s`);
      response?.destroy(error);
      req.destroy(error);
    });
    req.on('error', reject);
    req.end();
  });
}

/** A node:http(s) response as an HttpResponse: its chunks copied into the caller's buffers. */
function messageResponse(message: IncomingMessage): HttpResponse {
  const chunks = message[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let pending: Buffer | undefined;
  let done = false;
  const headers = Object.fromEntries(Object.entries(message.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : (value ?? '')]));
  return {
    status: message.statusCode ?? 0,
    statusMessage: message.statusMessage ?? '',
    headers,
    async read(into) {
      while (pending === undefined || pending.length === 0) {
        if (done) return 0;
        const next = await chunks.next();
        if (next.done) done = true;
        else pending = next.value;
      }
      const n = Math.min(into.length, pending.length);
      into.set(pending.subarray(0, n));
      pending = pending.subarray(n);
      return n;
    },
    destroy() {
      done = true;
      message.destroy();
    },
  };
}
