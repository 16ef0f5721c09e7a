import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { BackendsConfig, HttpSettings } from '../../../machines/host/plan.ts';
import { Secret } from '../../../src/effects/secret.ts';
import { CaBundleUnusable } from '../../../src/host/backends/ca-bundle.ts';
import { ImageDownloadFailed, networkSource } from '../../../src/host/backends/network-source.ts';
import { bypassesProxy } from '../../../src/host/backends/proxy-route.ts';
import { startImageServer, type ImageServer } from '../copy/image-server.ts';
import { startForwardingProxy, type ForwardingProxy } from './forwarding-proxy.ts';
import { makeTestAuthorities, startTlsServer, type TestAuthorities, type TlsServer } from './test-authority.ts';
import { fetchWithHttpSettings } from '../../../src/host/backends/settings-fetch.ts';
import { AnswerFileUnavailable, readAnswerFile } from '../../../src/host/config-device/answer-file.ts';
import { loadDeploymentRequest } from '../../../src/host/inputs/deployment-request.ts';
import { createEnv, DISK_0_PATH, withEnv } from '../inputs/ganeti-fixtures.ts';
import { memoryFiles } from '../inputs/memory-files.ts';

/**
 * HTTP_PROXY, HTTPS_PROXY, NO_PROXY and CA_BUNDLE, with a real proxy, a real
 * http server and a real https server on 127.0.0.1, whose certificate an
 * authority made by openssl in the test signed.
 */
describe('network source through a proxy and with a CA bundle', () => {
  const IMAGE = randomBytes(300 * 1024 + 3);
  const signal = new AbortController().signal;
  let authorities: TestAuthorities;
  let plain: ImageServer;
  let tls: TlsServer;
  let proxy: ForwardingProxy;

  const withHttp = (http: HttpSettings): BackendsConfig => ({ imageDir: '/nonexistent', backendsConfigDir: '/nonexistent', http });

  async function download(url: string, config: BackendsConfig): Promise<Buffer> {
    const source = await networkSource.open(url, config, signal);
    try {
      const chunks: Buffer[] = [];
      const buffer = Buffer.alloc(64 * 1024);
      for (let n; (n = await source.read(buffer)) > 0; ) chunks.push(Buffer.from(buffer.subarray(0, n)));
      return Buffer.concat(chunks);
    } finally {
      await source.close();
    }
  }

  before(async () => {
    authorities = await makeTestAuthorities();
    plain = await startImageServer(IMAGE);
    tls = await startTlsServer({ '/image.img': IMAGE }, authorities);
    proxy = await startForwardingProxy();
  });
  after(async () => {
    await proxy?.close();
    await tls?.close();
    await plain?.close();
    await authorities?.remove();
  });

  it('fetches an http image through HTTP_PROXY', async () => {
    const before = proxy.seen.length;
    const url = `${plain.url}/image.img`;
    assert.equal((await networkSource.inspect(url, withHttp({ httpProxy: { url: proxy.url }, noProxy: [] }), signal)).size, IMAGE.length);
    assert.ok((await download(url, withHttp({ httpProxy: { url: proxy.url }, noProxy: [] }))).equals(IMAGE));
    assert.deepEqual(proxy.seen.slice(before), [`HEAD ${url}`, `GET ${url}`]);
  });

  it('tunnels an https image through HTTPS_PROXY and trusts the server that CA_BUNDLE signed', async () => {
    const before = proxy.seen.length;
    const bytes = await download(`${tls.url}/image.img`, withHttp({ httpsProxy: { url: proxy.url }, noProxy: [], caBundle: authorities.signerCa }));
    assert.ok(bytes.equals(IMAGE));
    assert.deepEqual(proxy.seen.slice(before), [`CONNECT ${new URL(tls.url).host}`]);
  });

  it('gives the proxy its credentials as Proxy-Authorization', async () => {
    const before = proxy.authorizations.length;
    await download(`${plain.url}/image.img`, withHttp({ httpProxy: { url: proxy.url, credentials: new Secret('ops:s3cret') }, noProxy: [] }));
    assert.deepEqual(proxy.authorizations.slice(before), [`Basic ${Buffer.from('ops:s3cret').toString('base64')}`]);
  });

  it('goes straight to a host NO_PROXY names', async () => {
    const before = proxy.seen.length;
    const bytes = await download(`${plain.url}/image.img`, withHttp({ httpProxy: { url: proxy.url }, noProxy: ['127.0.0.1'] }));
    assert.ok(bytes.equals(IMAGE));
    assert.equal(proxy.seen.length, before, 'the proxy saw nothing');
  });

  it('accepts a server whose certificate CA_BUNDLE signed, without a proxy', async () => {
    assert.ok((await download(`${tls.url}/image.img`, withHttp({ noProxy: [], caBundle: authorities.signerCa }))).equals(IMAGE));
  });

  it('refuses a server whose certificate CA_BUNDLE did not sign, with a sentence', async () => {
    for (const http of [{ noProxy: [], caBundle: authorities.otherCa }, { httpsProxy: { url: proxy.url }, noProxy: [], caBundle: authorities.otherCa }]) {
      await assert.rejects(networkSource.open(`${tls.url}/image.img`, withHttp(http), signal), (error: unknown) => {
        assert.ok(error instanceof ImageDownloadFailed);
        assert.match(error.message, new RegExp(`downloading the image from ${tls.url}/image.img failed: the server's certificate is not signed by the certificate authorities of CA_BUNDLE ${authorities.otherCa} \\(`));
        return true;
      });
    }
  });

  it("refuses a server no system authority signed, and says CA_BUNDLE is the way to trust one's own", async () => {
    await assert.rejects(networkSource.inspect(`${tls.url}/image.img`, { imageDir: '/nonexistent', backendsConfigDir: '/nonexistent' }, signal), (error: unknown) => {
      assert.ok(error instanceof ImageDownloadFailed);
      assert.match(error.message, /not signed by the system's certificate authorities \(.+\); if your own authority signed it, set CA_BUNDLE to its PEM file$/);
      return true;
    });
  });

  it('refuses a CA_BUNDLE that is missing or holds no certificate', async () => {
    await assert.rejects(networkSource.open(`${tls.url}/image.img`, withHttp({ noProxy: [], caBundle: '/nonexistent/ca.pem' }), signal), CaBundleUnusable);
    await assert.rejects(networkSource.open(`${tls.url}/image.img`, withHttp({ noProxy: [], caBundle: authorities.serverKey }), signal), /CA_BUNDLE .* holds no certificate/);
  });

  it('reports a proxy that cannot open the tunnel, with its answer', async () => {
    await assert.rejects(networkSource.open('https://127.0.0.1:1/image.img', withHttp({ httpsProxy: { url: proxy.url }, noProxy: [] }), signal), (error: unknown) => {
      assert.ok(error instanceof ImageDownloadFailed);
      assert.match(error.message, /the proxy http:\/\/127\.0\.0\.1:\d+ refused to open a tunnel to 127\.0\.0\.1:1 \(502 Bad Gateway\)$/);
      return true;
    });
  });
});

describe('config_url and os_answer_file through the same settings', () => {
  const signal = new AbortController().signal;
  const CONF = '/test/snf-image.conf';
  let authorities: TestAuthorities;
  let tls: TlsServer;
  let proxy: ForwardingProxy;

  before(async () => {
    authorities = await makeTestAuthorities();
    tls = await startTlsServer({ '/vm.json': Buffer.from('{"img_id":"from-url"}'), '/unattend.xml': Buffer.from('<unattend/>') }, authorities);
    proxy = await startForwardingProxy();
  });
  after(async () => {
    await proxy?.close();
    await tls?.close();
    await authorities?.remove();
  });

  it('fetches config_url through HTTPS_PROXY, trusting CA_BUNDLE, when the configuration sets them', async () => {
    const before = proxy.seen.length;
    const request = await loadDeploymentRequest({
      env: withEnv(createEnv, { SNF_IMAGE_CONFIG_FILE: CONF, OSP_IMG_ID: undefined, OSP_CONFIG_URL: `${tls.url}/vm.json` }),
      files: memoryFiles({ [CONF]: `HTTPS_PROXY=${proxy.url}\nCA_BUNDLE=${authorities.signerCa}\n`, '/etc/ganeti/snf-image/variants/default.conf': '' }, { '/etc/ganeti/snf-image/variants': 'directory', [DISK_0_PATH]: 'file' }),
      fetch: async (input) => assert.fail(`Node's fetch, which takes no proxy, fetched ${String(input)}`),
    });
    assert.equal(request.image.id, 'from-url');
    assert.deepEqual(proxy.seen.slice(before), [`CONNECT ${new URL(tls.url).host}`]);
  });

  it('reads os_answer_file with the settings, and refuses a server CA_BUNDLE did not sign', async () => {
    assert.equal(await readAnswerFile(`${tls.url}/unattend.xml`, fetchWithHttpSettings({ noProxy: [], caBundle: authorities.signerCa }), signal), '<unattend/>');
    await assert.rejects(readAnswerFile(`${tls.url}/unattend.xml`, fetchWithHttpSettings({ noProxy: [], caBundle: authorities.otherCa }), signal), (error: unknown) => {
      assert.ok(error instanceof AnswerFileUnavailable);
      assert.match(error.message, /could not be read: the server's certificate is not signed by the certificate authorities of CA_BUNDLE /);
      return true;
    });
  });
});

describe('NO_PROXY', () => {
  const bypasses = (url: string, noProxy: string[]) => bypassesProxy(new URL(url), noProxy);

  it('matches a name and its subdomains, never a name that merely ends the same', () => {
    assert.ok(bypasses('http://images.example/i', ['images.example']));
    assert.ok(bypasses('http://eu.images.example/i', ['images.example']));
    assert.ok(bypasses('http://eu.images.example/i', ['.images.example']));
    assert.ok(bypasses('http://eu.images.example/i', ['*.images.example']));
    assert.ok(!bypasses('http://badimages.example/i', ['images.example']));
  });

  it('matches a port only when the entry names it, and * matches every host', () => {
    assert.ok(bypasses('http://10.0.0.5:8080/i', ['10.0.0.5:8080']));
    assert.ok(!bypasses('http://10.0.0.5/i', ['10.0.0.5:8080']));
    assert.ok(bypasses('https://10.0.0.5/i', ['10.0.0.5:443']));
    assert.ok(bypasses('http://[::1]:81/i', ['[::1]:81']));
    assert.ok(bypasses('http://[::1]/i', ['::1']));
    assert.ok(bypasses('http://anything.example/i', ['*']));
    assert.ok(!bypasses('http://anything.example/i', []));
  });
});
