import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createServer as createTlsServer } from 'node:tls';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { BodyOverrun } from '../../../src/host/backends/http-body.ts';
import { httpGet, type HttpResponse } from '../../../src/host/backends/http-get.ts';

/**
 * A TCP server on 127.0.0.1 that answers every request with the bytes a test
 * gives, written in pieces of `pieceBytes` with a pause between, so framing
 * falls across reads as it does on a real network; then it closes.
 */
async function rawServer(answer: (request: string) => Buffer, pieceBytes: number): Promise<{ url: string; server: Server; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((socket: Socket) => {
    let request = '';
    socket.on('data', async (data) => {
      request += data.toString('latin1');
      if (!request.includes('\r\n\r\n')) return;
      requests.push(request);
      const bytes = answer(request);
      for (let at = 0; at < bytes.length; at += pieceBytes) {
        socket.write(bytes.subarray(at, at + pieceBytes));
        await new Promise((resolve) => setImmediate(resolve));
      }
      socket.end();
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, requests };
}

async function readAll(response: HttpResponse, bufferBytes = 4096): Promise<Buffer> {
  const parts: Buffer[] = [];
  const buffer = Buffer.alloc(bufferBytes);
  for (let n; (n = await response.read(buffer)) > 0; ) parts.push(Buffer.from(buffer.subarray(0, n)));
  return Buffer.concat(parts);
}

function chunked(body: Buffer, sizes: number[]): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (const [i, size] of sizes.entries()) {
    // A chunk extension on one chunk, upper-case hex on another: both are allowed.
    const sizeText = i % 2 === 0 ? size.toString(16) : `${size.toString(16).toUpperCase()};name=value`;
    parts.push(Buffer.from(`${sizeText}\r\n`), body.subarray(at, at + size), Buffer.from('\r\n'));
    at += size;
  }
  parts.push(Buffer.from('0\r\nx-trailer: 1\r\n\r\n'));
  return Buffer.concat(parts);
}

describe('plain HTTP GET on a socket of its own', () => {
  const BODY = randomBytes(200_000);
  const signal = new AbortController().signal;
  const servers: Server[] = [];
  const serve = async (answer: (request: string) => Buffer, pieceBytes = 1000) => {
    const started = await rawServer(answer, pieceBytes);
    servers.push(started.server);
    return started;
  };

  after(() => {
    for (const server of servers) server.close();
  });

  it('reads a body of Content-Length bytes, headers and status as sent, and asks for it by path, host and credentials', async () => {
    const { url, requests } = await serve(() => Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${BODY.length}\r\nX-Two: a\r\nx-two: b\r\n\r\n`), BODY]));
    const target = new URL(`${url}/images/a.img?sig=1`);
    target.username = 'user';
    target.password = 'p w';
    const response = await httpGet(target, { signal: signal, stallMs: 5000 });
    assert.equal(response.status, 200);
    assert.equal(response.statusMessage, 'OK');
    assert.equal(response.headers['x-two'], 'a, b');
    assert.ok((await readAll(response)).equals(BODY));
    assert.match(requests[0]!, /^GET \/images\/a\.img\?sig=1 HTTP\/1\.1\r\n/);
    assert.match(requests[0]!, /\r\nHost: 127\.0\.0\.1:\d+\r\n/);
    assert.match(requests[0]!, new RegExp(`\\r\\nAuthorization: Basic ${Buffer.from('user:p w').toString('base64')}\\r\\n`));
  });

  it('decodes a chunked body whose framing falls across reads, with extensions and a trailer', async () => {
    for (const pieceBytes of [1, 7, 4096]) {
      const { url } = await serve(() => Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'), chunked(BODY, [1, 65536, 3, 100_000, BODY.length - 165_540])]), pieceBytes);
      const response = await httpGet(new URL(`${url}/c.img`), { signal: signal, stallMs: 5000 });
      assert.ok((await readAll(response, 5000)).equals(BODY), `pieces of ${pieceBytes} bytes`);
    }
  });

  it('reads a body without Content-Length or chunking up to the close', async () => {
    const { url } = await serve(() => Buffer.concat([Buffer.from('HTTP/1.0 200 OK\r\n\r\n'), BODY]));
    assert.ok((await readAll(await httpGet(new URL(`${url}/x`), { signal: signal, stallMs: 5000 }))).equals(BODY));
  });

  it('skips an interim 100 Continue', async () => {
    const { url } = await serve(() => Buffer.from('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n'));
    const response = await httpGet(new URL(`${url}/x`), { signal: signal, stallMs: 5000 });
    assert.equal(response.status, 404);
    assert.equal((await readAll(response)).length, 0);
  });

  it('fails a body the server cuts short, or chunked framing it breaks, saying which', async () => {
    const cases: Array<[Buffer, RegExp]> = [
      [Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 300000\r\n\r\n'), BODY]), /closed the connection 100000 bytes short of the 300000 it announced/],
      [Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'), chunked(BODY, [BODY.length]).subarray(0, 1000)]), /closed the connection in the middle of a chunked body/],
      [Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'), /malformed chunked body \(a chunk size that is not hexadecimal\)/],
      [Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n'), /malformed chunked body \(a chunk longer than its size\)/],
      [Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffff\r\n'), /malformed chunked body \(a chunk size too large\)/],
    ];
    for (const [answer, error] of cases) {
      const { url } = await serve(() => answer);
      const response = await httpGet(new URL(`${url}/x`), { signal: signal, stallMs: 5000 });
      await assert.rejects(readAll(response), error);
    }
  });

  it('fails a body the server runs past, framed by Content-Length or by chunks', async () => {
    const cases = [
      Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n'), BODY]),
      Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'), chunked(BODY, [BODY.length]), Buffer.from('more')]),
    ];
    for (const answer of cases) {
      const { url } = await serve(() => answer);
      await assert.rejects(readAll(await httpGet(new URL(`${url}/x`), { signal, stallMs: 5000 })), BodyOverrun);
    }
  });

  it('refuses what is not an HTTP/1.1 answer, and headers without end', async () => {
    const { url } = await serve(() => Buffer.from('SSH-2.0-OpenSSH\r\n\r\n'));
    await assert.rejects(httpGet(new URL(`${url}/x`), { signal: signal, stallMs: 5000 }), /did not answer in HTTP\/1\.1 \("SSH-2\.0-OpenSSH"\)/);
    const long = await serve(() => Buffer.from(`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(70_000)}`), 8192);
    await assert.rejects(httpGet(new URL(`${long.url}/x`), { signal: signal, stallMs: 5000 }), /response headers are longer than 65536 bytes/);
  });

  it('gives up on a server that goes silent, and stops when aborted', async () => {
    const silent = createServer(() => {});
    servers.push(silent);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = new URL(`http://127.0.0.1:${(silent.address() as AddressInfo).port}/x`);
    await assert.rejects(httpGet(url, { signal: signal, stallMs: 200 }), /the server sent nothing for 0\.2 s/);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(httpGet(url, { signal: controller.signal, stallMs: 5000 }), { name: 'AbortError' });
  });

  describe('a body read slower than it arrives', () => {
    let url: string;
    const BIG = randomBytes(8 * 1024 * 1024);
    before(async () => {
      ({ url } = await serve(() => Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${BIG.length}\r\n\r\n`), BIG]), 256 * 1024));
    });

    it('arrives whole and in order while the socket waits for the reader', async () => {
      const response = await httpGet(new URL(`${url}/big`), { signal: signal, stallMs: 5000 });
      const parts: Buffer[] = [];
      const buffer = Buffer.alloc(1024 * 1024);
      for (let n, turn = 0; (n = await response.read(buffer)) > 0; turn++) {
        parts.push(Buffer.from(buffer.subarray(0, n)));
        if (turn % 16 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      }
      assert.ok(Buffer.concat(parts).equals(BIG));
    });
  });
});

describe('GET over https on a socket of its own', () => {
  const BODY = randomBytes(3 * 1024 * 1024 + 5);
  let dir: string;
  let url: string;
  let server: ReturnType<typeof createTlsServer>;

  before(async () => {
    // A certificate of its own for 127.0.0.1, made with openssl: trusted only where a test says so.
    dir = mkdtempSync(join(tmpdir(), 'http-get-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    server = createTlsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (socket) => {
      socket.once('data', () => {
        socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${BODY.length}\r\n\r\n`);
        socket.end(BODY);
      });
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/image.img`;
  });
  after(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a server whose certificate nobody vouches for', async () => {
    await assert.rejects(httpGet(new URL(url), { signal: new AbortController().signal, stallMs: 5000 }), /self[- ]signed certificate/);
  });

  it('reads the body from a server it trusts (NODE_EXTRA_CA_CERTS), in a process of its own', async () => {
    // Node reads NODE_EXTRA_CA_CERTS at start only, hence the child.
    const module = fileURLToPath(new URL('../../../src/host/backends/http-get.ts', import.meta.url));
    const script = `
      const { httpGet } = await import(${JSON.stringify(module)});
      const { createHash } = await import('node:crypto');
      const response = await httpGet(new URL(process.argv[1]), { signal: new AbortController().signal, stallMs: 5000 });
      const hash = createHash('sha256');
      const buffer = new Uint8Array(1 << 20);
      for (let n; (n = await response.read(buffer)) > 0; ) hash.update(buffer.subarray(0, n));
      console.log(response.status, hash.digest('hex'));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, url], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem') },
    });
    assert.equal(stdout.trim(), `200 ${createHash('sha256').update(BODY).digest('hex')}`);
  });
});
