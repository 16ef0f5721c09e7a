import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import { connect, type Socket } from 'node:net';
import { listenOnLoopback } from '../../support/loopback-server.ts';

/**
 * A real HTTP proxy on 127.0.0.1, as small as a proxy can be: it forwards
 * absolute-form requests (http://...) and opens CONNECT tunnels (https), and
 * records each request line and Proxy-Authorization header it was given, so
 * a test can tell that a download went through it.
 */
export interface ForwardingProxy {
  readonly url: string;
  /** `GET http://host:port/path` or `CONNECT host:port`, in arrival order. */
  readonly seen: string[];
  /** The Proxy-Authorization header of each request, '' when there was none. */
  readonly authorizations: string[];
  close(): Promise<void>;
}

export async function startForwardingProxy(): Promise<ForwardingProxy> {
  const seen: string[] = [];
  const authorizations: string[] = [];
  const record = (method: string | undefined, target: string | undefined, headers: IncomingHttpHeaders) => {
    seen.push(`${method} ${target}`);
    authorizations.push(headers['proxy-authorization'] ?? '');
  };
  const server = createServer((req, res) => {
    record(req.method, req.url, req.headers);
    const target = new URL(req.url ?? '');
    const { 'proxy-authorization': _dropped, ...headers } = req.headers;
    const upstream = request({ host: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method: req.method, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  server.on('connect', (req, client: Socket, head: Buffer) => {
    record(req.method, req.url, req.headers);
    const [host, port] = (req.url ?? '').split(':');
    let connected = false;
    const upstream = connect(Number(port), host, () => {
      connected = true;
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    const end = () => {
      upstream.destroy();
      client.destroy();
    };
    // A server it cannot reach is answered as proxies do, with 502.
    upstream.on('error', () => (connected ? end() : client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n')));
    client.on('error', end);
    // The tunnel lives as long as the client's connection, which close() destroys.
    client.on('close', () => upstream.destroy());
  });
  const listener = await listenOnLoopback(server);
  return { url: `http://127.0.0.1:${listener.port}`, seen, authorizations, close: listener.close };
}
