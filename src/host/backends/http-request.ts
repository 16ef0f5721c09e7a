import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 10;

/**
 * Sends a bodiless request and resolves with the response once its headers
 * are in, following redirects as curl -L does. node:http rather than fetch:
 * its responses are Node streams, which move a multi-gigabyte body with far
 * less work per chunk than fetch's web streams. Network failures reject with
 * the error Node gives (its code says what happened: ECONNREFUSED, ...).
 */
export async function sendRequest(url: string, method: 'HEAD' | 'GET', signal: AbortSignal, stallMs: number): Promise<IncomingMessage> {
  let current = new URL(url);
  for (let hop = 0; ; hop++) {
    const response = await requestOnce(current, method, signal, stallMs);
    const location = response.headers.location;
    if (!REDIRECTS.has(response.statusCode ?? 0) || location === undefined || hop === MAX_REDIRECTS) return response;
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
    // Once the headers are in, an error of the request is the body's: bytes past Content-Length show only here.
    req.on('error', (error) => (response ? response.destroy(error) : reject(error)));
    req.end();
  });
}
