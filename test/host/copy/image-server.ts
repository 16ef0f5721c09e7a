import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { listenOnLoopback } from '../../support/loopback-server.ts';

/**
 * A real HTTP server on 127.0.0.1 serving one image in the ways the network
 * back-end meets in the field:
 *   /image.img            with Content-Length
 *   /chunked.img          without it (chunked transfer)
 *   /signed.img?sig=...   only with its exact query string, HEAD refused (a pre-signed URL)
 *   /drop.img             Content-Length, then the connection cut halfway
 *   /drop-chunked.img     chunked, then the connection cut halfway
 *   /stall.img            Content-Length, 1 MiB, then nothing until the client goes
 *   /reset.img            Content-Length, half the image, then a TCP reset
 *   /short.img            Content-Length, half the image, then an orderly close
 *   /long.img             Content-Length of half the image, then the whole image
 *   /head-stall.img       HEAD held without an answer until the client goes; GET as /image.img
 *   /moved.img            a redirect to /image.img
 *   /empty-chunked.img    no bytes at all, without Content-Length
 * Anything else is 404.
 */
export interface ImageServer {
  readonly url: string;
  /** Connections still held open by /stall.img or a HEAD of /head-stall.img: 0 once those clients have gone. */
  stalledConnections(): number;
  close(): Promise<void>;
}

export const SIGNED_QUERY = 'X-Amz-Signature=0a1b2c&X-Amz-Expires=300&name=a%20b';

export async function startImageServer(image: Buffer): Promise<ImageServer> {
  const stalled = new Set<Socket>();
  const server = createServer((req, res) => {
    const held = req.url?.startsWith('/stall.img') || (req.url?.startsWith('/head-stall.img') && req.method === 'HEAD');
    if (held && req.socket) {
      stalled.add(req.socket);
      req.socket.on('close', () => stalled.delete(req.socket));
    }
    serve(image, req, res);
  });
  const listener = await listenOnLoopback(server);
  return { url: `http://127.0.0.1:${listener.port}`, stalledConnections: () => stalled.size, close: listener.close };
}

function serve(image: Buffer, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x');
  const head = req.method === 'HEAD';
  const half = Math.floor(image.length / 2);
  switch (url.pathname) {
    case '/image.img':
      res.writeHead(200, { 'content-length': image.length });
      return void (head ? res.end() : sendSlowly(res, image, image.length, 'end'));
    case '/chunked.img':
      res.writeHead(200);
      return void (head ? res.end() : sendSlowly(res, image, image.length, 'end'));
    case '/signed.img':
      if (url.search !== `?${SIGNED_QUERY}`) return void res.writeHead(403).end();
      if (head) return void res.writeHead(403).end();
      res.writeHead(200, { 'content-length': image.length });
      return void sendSlowly(res, image, image.length, 'end');
    case '/drop.img':
      res.writeHead(200, { 'content-length': image.length });
      return void (head ? res.end() : sendSlowly(res, image, half, 'cut'));
    case '/reset.img':
      res.writeHead(200, { 'content-length': image.length });
      return void (head ? res.end() : sendSlowly(res, image, half, 'reset'));
    case '/short.img':
      res.writeHead(200, { 'content-length': image.length });
      return void (head ? res.end() : sendSlowly(res, image, half, 'close'));
    case '/long.img':
      if (head) return void res.writeHead(200, { 'content-length': half }).end();
      // Past Node's own bookkeeping, which would not send more than it announced.
      req.socket.write(`HTTP/1.1 200 OK\r\ncontent-length: ${half}\r\nconnection: close\r\n\r\n`);
      return void req.socket.end(image);
    case '/head-stall.img':
      if (head) return;
      res.writeHead(200, { 'content-length': image.length });
      return void sendSlowly(res, image, image.length, 'end');
    case '/drop-chunked.img':
      res.writeHead(200);
      return void (head ? res.end() : sendSlowly(res, image, half, 'cut'));
    case '/stall.img':
      res.writeHead(200, { 'content-length': image.length });
      return void (head ? res.end() : sendSlowly(res, image, 1024 * 1024, 'hang'));
    case '/moved.img':
      return void res.writeHead(302, { location: '/image.img' }).end();
    case '/empty-chunked.img':
      res.writeHead(200);
      return void res.end();
    default:
      res.writeHead(404).end();
  }
}

/** Writes `length` bytes in 64 KiB pieces, honouring back-pressure, then ends, cuts or keeps the connection open. */
function sendSlowly(res: ServerResponse, image: Buffer, length: number, then: 'end' | 'cut' | 'hang' | 'reset' | 'close'): void {
  let offset = 0;
  const next = (): void => {
    while (offset < length) {
      const piece = image.subarray(offset, Math.min(length, offset + 65536));
      offset += piece.length;
      if (!res.write(piece)) return void res.once('drain', next);
    }
    if (then === 'end') res.end();
    else if (then === 'cut') res.socket?.destroy();
    else if (then === 'reset') res.socket?.resetAndDestroy();
    else if (then === 'close') res.socket?.end();
  };
  next();
}
