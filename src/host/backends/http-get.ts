import { connect, isIP, type OnReadOpts } from 'node:net';
import { connect as connectTls, type ConnectionOptions } from 'node:tls';
import { chunkedBody, lengthBody, type RawRead } from './http-body.ts';
import { unbracketed } from './proxy-route.ts';
import { SocketReader } from './socket-reader.ts';

/** A response whose body is read into the caller's buffers. */
export interface HttpResponse {
  readonly status: number;
  readonly statusMessage: string;
  /** Lower-case names; a repeated field's values joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  /** Fills the start of `into` with body bytes; 0 at the end of the body. */
  read(into: Uint8Array): Promise<number>;
  /** Ends the connection; a read waiting on it rejects. */
  destroy(): void;
}

/** The response head may take this much; more is not a server we talk to. */
const MAX_HEAD_BYTES = 64 * 1024;

/**
 * GET over HTTP/1.1, http or https, on a socket of our own read through a
 * SocketReader: the body reaches the caller's buffers without a Buffer per
 * packet, which node:http(s) cannot do, and memory stays flat over a
 * download of any size. https verifies the server as node:https does
 * (Node's CAs, NODE_EXTRA_CA_CERTS, the name in the URL). One request per
 * connection (Connection: close); bodies with Content-Length, chunked, or
 * up to the close. A server that sends nothing
 * for `stallMs`, before or during the body, has the connection destroyed
 * with an error that says so; an abort destroys it with an AbortError.
 * Network failures reject with Node's error (ECONNREFUSED, ECONNRESET...).
 */
export interface GetOptions {
  readonly signal: AbortSignal;
  readonly stallMs: number;
  /** CA_BUNDLE's certificates, trusted instead of Node's for https. */
  readonly ca?: string | undefined;
  /** An HTTP_PROXY that forwards a plain-http request, with the headers it wants (Proxy-Authorization). */
  readonly forwardedBy?: { readonly url: URL; readonly headers: Readonly<Record<string, string>> } | undefined;
}

export async function httpGet(url: URL, { signal, stallMs, ca, forwardedBy }: GetOptions): Promise<HttpResponse> {
  if (signal.aborted) throw abortError();
  const reader = new SocketReader();
  const host = unbracketed(url.hostname);
  const socket =
    url.protocol === 'https:'
      ? // SNI takes names only; a server at an IP address is checked against the IP in its certificate.
        connectTls(withOnread({ host, port: Number(url.port || 443), servername: isIP(host) ? undefined : host, ca }, reader.onread))
      : forwardedBy !== undefined
        ? connect({ host: unbracketed(forwardedBy.url.hostname), port: Number(forwardedBy.url.port || 80), onread: reader.onread })
        : connect({ host, port: Number(url.port || 80), onread: reader.onread });
  reader.attach(socket);
  socket.setTimeout(stallMs, () => socket.destroy(new Error(`the server sent nothing for ${stallMs / 1000} s`)));
  const onAbort = () => socket.destroy(abortError());
  signal.addEventListener('abort', onAbort, { once: true });
  socket.once('close', () => signal.removeEventListener('abort', onAbort));
  socket.write(requestHead(url, forwardedBy?.headers));
  try {
    let head = await readHead(reader.read.bind(reader));
    // 1xx answers come before the real one.
    while (head.status < 200) head = await readHead(prefixed(head.rest, reader.read.bind(reader)));
    const raw = prefixed(head.rest, reader.read.bind(reader));
    const { headers } = head;
    const read: RawRead =
      head.status === 204 || head.status === 304
        ? async () => 0
        : /(^|,)\s*chunked\s*$/i.test(headers['transfer-encoding'] ?? '')
          ? chunkedBody(raw)
          : headers['content-length'] !== undefined && /^\d+$/.test(headers['content-length'].trim())
            ? lengthBody(raw, Number(headers['content-length'].trim()))
            : raw;
    return { status: head.status, statusMessage: head.statusMessage, headers, read, destroy: () => socket.destroy() };
  } catch (error) {
    socket.destroy();
    throw error;
  }
}

/** The request; through a forwarding proxy, with the whole URL as its target and the proxy's own headers. */
function requestHead(url: URL, proxyHeaders: Readonly<Record<string, string>> | undefined): string {
  const target = proxyHeaders === undefined ? `${url.pathname}${url.search}` : url.href;
  const lines = [`GET ${target} HTTP/1.1`, `Host: ${url.host}`, 'Accept-Encoding: identity', 'Connection: close', 'User-Agent: snf-image'];
  for (const [name, value] of Object.entries(proxyHeaders ?? {})) lines.push(`${name}: ${value}`);
  if (url.username !== '' || url.password !== '') {
    const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    lines.push(`Authorization: Basic ${Buffer.from(credentials).toString('base64')}`);
  }
  return `${lines.join('\r\n')}\r\n\r\n`;
}

interface ResponseHead {
  readonly status: number;
  readonly statusMessage: string;
  readonly headers: Record<string, string>;
  /** Bytes read past the head: the start of the body. */
  readonly rest: Uint8Array;
}

async function readHead(read: RawRead): Promise<ResponseHead> {
  const buffer = Buffer.allocUnsafe(MAX_HEAD_BYTES);
  let filled = 0;
  for (;;) {
    if (filled === buffer.length) throw new Error(`the server's response headers are longer than ${MAX_HEAD_BYTES} bytes`);
    const n = await read(buffer.subarray(filled));
    if (n === 0) throw new Error('the server closed the connection before it answered');
    const end = buffer.subarray(0, filled + n).indexOf('\r\n\r\n', Math.max(0, filled - 3), 'latin1');
    filled += n;
    if (end < 0) continue;
    const [statusLine = '', ...fields] = buffer.toString('latin1', 0, end).split('\r\n');
    const status = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(statusLine);
    if (!status) throw new Error(`the server did not answer in HTTP/1.1 (${JSON.stringify(statusLine.slice(0, 80))})`);
    const headers: Record<string, string> = {};
    for (const field of fields) {
      const colon = field.indexOf(':');
      if (colon <= 0) throw new Error(`the server sent a malformed header line (${JSON.stringify(field.slice(0, 80))})`);
      const name = field.slice(0, colon).trim().toLowerCase();
      const value = field.slice(colon + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    return { status: Number(status[1]), statusMessage: status[2] ?? '', headers, rest: buffer.subarray(end + 4, filled) };
  }
}

/** `first`'s bytes, then `read`'s. */
function prefixed(first: Uint8Array, read: RawRead): RawRead {
  let left = first;
  return async (into) => {
    if (left.length === 0) return read(into);
    const n = Math.min(into.length, left.length);
    into.set(left.subarray(0, n));
    left = left.subarray(n);
    return n;
  };
}

function abortError(): Error {
  const error = new Error('the request was aborted');
  error.name = 'AbortError';
  return error;
}

/** tls.connect takes net's `onread` when it makes the socket itself (Node's documentation of tls.connect); @types/node leaves it out. */
function withOnread(options: ConnectionOptions, onread: OnReadOpts): ConnectionOptions {
  return { ...options, onread } as ConnectionOptions;
}
