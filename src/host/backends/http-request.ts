import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { HttpProxy, HttpSettings } from '../../../machines/host/plan.ts';
import { readCaBundle } from './ca-bundle.ts';
import { httpGet, type HttpResponse } from './http-get.ts';
import { proxyFor, unbracketed } from './proxy-route.ts';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 10;

/** What a request is, and how it goes out: the stall limit, and the proxies and certificate authorities of HttpSettings. */
export interface RequestOptions {
  readonly method: 'HEAD' | 'GET';
  readonly signal: AbortSignal;
  readonly stallMs: number;
  readonly http?: HttpSettings | undefined;
  /** Headers besides Accept-Encoding: identity, which every request sends. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** A request with CA_BUNDLE's certificates read. */
interface Route extends RequestOptions {
  readonly ca: string | undefined;
}

/**
 * Sends a bodiless request and resolves with the response once its headers
 * are in, following redirects as curl -L does. node:http rather than fetch:
 * its responses are Node streams, which move a multi-gigabyte body with far
 * less work per chunk than fetch's web streams, and it lets a request go
 * through a proxy, which Node 20's fetch does not. Network failures reject
 * with the error Node gives (its code says what happened: ECONNREFUSED,
 * UNABLE_TO_VERIFY_LEAF_SIGNATURE, ...).
 */
export async function sendRequest(url: string, options: RequestOptions): Promise<IncomingMessage> {
  const route: Route = { ...options, ca: options.http?.caBundle === undefined ? undefined : await readCaBundle(options.http.caBundle) };
  let current = new URL(url);
  for (let hop = 0; ; hop++) {
    const response = await requestOnce(current, route);
    const location = response.headers.location;
    if (!REDIRECTS.has(response.statusCode ?? 0) || location === undefined || hop === MAX_REDIRECTS) return response;
    response.destroy();
    current = new URL(location, current);
  }
}

/**
 * GET, following redirects, for a body read into the caller's buffers. Straight
 * to the server, or an http image forwarded by HTTP_PROXY, it goes over a socket
 * of our own (http-get.ts), which reads without a Buffer per packet; an https
 * image through HTTPS_PROXY goes through node:https over the CONNECT tunnel
 * (TLS over a socket already open takes no fixed receive buffer).
 */
export async function sendGet(url: string, options: Omit<RequestOptions, 'method'>): Promise<HttpResponse> {
  const route: Route = { ...options, method: 'GET', ca: options.http?.caBundle === undefined ? undefined : await readCaBundle(options.http.caBundle) };
  let current = new URL(url);
  for (let hop = 0; ; hop++) {
    const proxy = proxyFor(current, route.http);
    const response =
      current.protocol === 'https:' && proxy !== undefined
        ? messageResponse(await requestOnce(current, route))
        : await httpGet(current, {
            signal: route.signal,
            stallMs: route.stallMs,
            ca: route.ca,
            forwardedBy: proxy === undefined ? undefined : { url: new URL(proxy.url), headers: proxyAuthorization(proxy) },
          });
    const location = response.headers.location;
    if (!REDIRECTS.has(response.status) || location === undefined || hop === MAX_REDIRECTS) return response;
    response.destroy();
    current = new URL(location, current);
  }
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

/**
 * One request: straight to the server, or through the proxy (http is
 * forwarded, https goes through a CONNECT tunnel, so the proxy never sees
 * the bytes in clear). A server that goes `stallMs` without sending
 * anything, before or during the body, has the connection destroyed with an
 * error that says so.
 */
async function requestOnce(url: URL, route: Route): Promise<IncomingMessage> {
  const { method, signal } = route;
  // Ask for the bytes as stored: a compressed transfer would not match Content-Length.
  const headers: Record<string, string> = { ...route.headers, 'accept-encoding': 'identity' };
  const proxy = proxyFor(url, route.http);
  if (url.protocol !== 'https:') {
    if (proxy === undefined) return awaitResponse(httpRequest(url, { method, signal, headers }), route.stallMs);
    const via = new URL(proxy.url);
    const forwarded = { host: unbracketed(via.hostname), port: via.port || 80, path: url.href, method, signal, headers: { ...headers, host: url.host, ...proxyAuthorization(proxy) } };
    return awaitResponse(httpRequest(forwarded), route.stallMs);
  }
  if (proxy === undefined) return awaitResponse(httpsRequest(url, { method, signal, headers, ca: route.ca }), route.stallMs);
  const tunnel = await openTunnel(proxy, url, signal, route.stallMs);
  // The certificate is checked against `host`; SNI carries names only, never addresses (RFC 6066).
  const host = unbracketed(url.hostname);
  const overTunnel = () => tlsConnect({ socket: tunnel, host, servername: isIP(host) === 0 ? host : undefined, ca: route.ca });
  return awaitResponse(httpsRequest(url, { method, signal, headers, createConnection: overTunnel }), route.stallMs);
}

function awaitResponse(req: ClientRequest, stallMs: number): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    let response: IncomingMessage | undefined;
    req.on('response', (res) => {
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

/** A TCP stream to the server's port, opened by the proxy on CONNECT. */
function openTunnel(proxy: HttpProxy, target: URL, signal: AbortSignal, stallMs: number): Promise<Socket> {
  const via = new URL(proxy.url);
  const authority = `${target.hostname}:${target.port || 443}`;
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: unbracketed(via.hostname), port: via.port || 80, method: 'CONNECT', path: authority, signal, headers: { host: authority, ...proxyAuthorization(proxy) } });
    req.setTimeout(stallMs, () => req.destroy(new Error(`the proxy ${proxy.url} sent nothing for ${stallMs / 1000} s`)));
    req.on('connect', (res, socket) => {
      req.setTimeout(0);
      if (res.statusCode === 200) return resolve(socket);
      socket.destroy();
      const answer = [res.statusCode, res.statusMessage].filter((part) => part !== undefined && part !== '').join(' ');
      reject(new Error(`the proxy ${proxy.url} refused to open a tunnel to ${authority} (${answer})`));
    });
    req.on('error', reject);
    req.end();
  });
}

export function proxyAuthorization(proxy: HttpProxy): Record<string, string> {
  return proxy.credentials === undefined ? {} : { 'proxy-authorization': `Basic ${Buffer.from(proxy.credentials.reveal()).toString('base64')}` };
}
