import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { listenOnLoopback } from '../../support/loopback-server.ts';

/**
 * Certificate authorities made with openssl for a test, and an https server
 * on 127.0.0.1 whose certificate (for IP 127.0.0.1) one of them signed.
 */
export interface TestAuthorities {
  /** The PEM file of the authority that signed the server's certificate. */
  readonly signerCa: string;
  /** The PEM file of an authority that signed nothing the server has. */
  readonly otherCa: string;
  /** The server's certificate and key, signed by signerCa. */
  readonly serverCert: string;
  readonly serverKey: string;
  remove(): Promise<void>;
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export async function makeTestAuthorities(): Promise<TestAuthorities> {
  const dir = await mkdtemp(join(tmpdir(), 'snf-image-ca-'));
  const path = (name: string) => join(dir, name);
  const makeCa = (name: string) =>
    execa('openssl', ['req', '-x509', ...EC_KEY, '-keyout', path(`${name}.key`), '-out', path(`${name}.pem`), '-days', '1', '-subj', `/CN=snf-image test ${name}`]);
  try {
    await makeCa('signer-ca');
    await makeCa('other-ca');
    await execa('openssl', ['req', '-new', ...EC_KEY, '-keyout', path('server.key'), '-out', path('server.csr'), '-subj', '/CN=127.0.0.1']);
    await writeFile(path('server.ext'), 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n');
    await execa('openssl', ['x509', '-req', '-in', path('server.csr'), '-CA', path('signer-ca.pem'), '-CAkey', path('signer-ca.key'), '-CAcreateserial', '-out', path('server.pem'), '-days', '1', '-extfile', path('server.ext')]);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return { signerCa: path('signer-ca.pem'), otherCa: path('other-ca.pem'), serverCert: path('server.pem'), serverKey: path('server.key'), remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface TlsServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Serves each of `files` at its path over https, with the certificate signerCa signed; anything else is 404. */
export async function startTlsServer(files: Readonly<Record<string, Buffer>>, authorities: TestAuthorities): Promise<TlsServer> {
  const server: Server = createServer({ cert: await readFile(authorities.serverCert), key: await readFile(authorities.serverKey) }, (req, res) => {
    const body = files[req.url ?? ''];
    if (body === undefined) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-length': body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  const listener = await listenOnLoopback(server);
  return { url: `https://127.0.0.1:${listener.port}`, close: listener.close };
}
