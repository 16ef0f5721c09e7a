import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { httpGet, type HttpResponse } from './http-get.ts';

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
    const response = await headOnce(current, signal, stallMs);
    const location = response.headers.location;
    if (!REDIRECTS.has(response.statusCode ?? 0) || location === undefined || hop === MAX_REDIRECTS) return response;
    response.destroy();
    current = new URL(location, current);
  }
}

/**
 * GET, following redirects, over a socket of our own (http-get.ts), whose
 * body comes into the caller's buffers without a Buffer per packet.
 */
export async function sendGet(url: string, signal: AbortSignal, stallMs: number): Promise<HttpResponse> {
  let current = new URL(url);
  for (let hop = 0; ; hop++) {
    const response = await httpGet(current, signal, stallMs);
    const location = response.headers.location;
    if (!REDIRECTS.has(response.status) || location === undefined || hop === MAX_REDIRECTS) return response;
    response.destroy();
    current = new URL(location, current);
  }
}

/**
 * One HEAD request. A server that goes `stallMs` without answering has the
 * connection destroyed with an error that says so.
 */
function headOnce(url: URL, signal: AbortSignal, stallMs: number): Promise<IncomingMessage> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    // Ask for the size as stored: a compressed transfer would not match Content-Length.
    const req = send(url, { method: 'HEAD', signal, headers: { 'accept-encoding': 'identity' } }, resolve);
    req.setTimeout(stallMs, () => req.destroy(new Error(`the server sent nothing for ${stallMs / 1000} s`)));
    req.on('error', reject);
    req.end();
  });
}
