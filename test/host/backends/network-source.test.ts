import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { AbortedError } from '../../../src/effects/effect.ts';
import { ImageDownloadFailed, networkSource, printableUrl, UnsupportedImageUrl } from '../../../src/host/backends/network-source.ts';
import { SIGNED_QUERY, startImageServer, type ImageServer } from '../copy/image-server.ts';

/** A port nothing listens on: one the kernel just handed out and that was closed again. */
async function unusedPort(): Promise<number> {
  const listener = createServer();
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const { port } = listener.address() as AddressInfo;
  await new Promise((resolve) => listener.close(resolve));
  return port;
}

describe('network source back-end', () => {
  const IMAGE = randomBytes(256 * 1024 + 7);
  const config = { imageDir: '/nonexistent', backendsConfigDir: '/nonexistent' };
  const signal = new AbortController().signal;
  let server: ImageServer;

  before(async () => {
    server = await startImageServer(IMAGE);
  });
  after(async () => {
    await server.close();
  });

  it('handles http, https, ftp and ftps URLs', () => {
    for (const url of ['http://h/i', 'https://h/i', 'ftp://h/i', 'FTPS://h/i']) assert.ok(networkSource.accepts(url), url);
    for (const id of ['local://i', 'i.img', 'null', 'nbd:h:1']) assert.ok(!networkSource.accepts(id), id);
  });

  it('sizes an image from Content-Length', async () => {
    assert.deepEqual(await networkSource.inspect(`${server.url}/image.img`, config, signal), { size: IMAGE.length, warnings: [] });
  });

  it('follows redirects, for the size and the bytes', async () => {
    assert.equal((await networkSource.inspect(`${server.url}/moved.img`, config, signal)).size, IMAGE.length);
    const source = await networkSource.open(`${server.url}/moved.img`, config, signal);
    try {
      const buffer = Buffer.alloc(IMAGE.length + 1);
      let filled = 0;
      for (let n; (n = await source.read(buffer.subarray(filled))) > 0; ) filled += n;
      assert.ok(buffer.subarray(0, filled).equals(IMAGE));
    } finally {
      await source.close();
    }
  });

  it('leaves the size unknown without Content-Length', async () => {
    assert.equal((await networkSource.inspect(`${server.url}/chunked.img`, config, signal)).size, undefined);
  });

  it('leaves the size to the download when a pre-signed URL refuses HEAD', async () => {
    const info = await networkSource.inspect(`${server.url}/signed.img?${SIGNED_QUERY}`, config, signal);
    assert.equal(info.size, undefined);
    assert.match(info.warnings[0] ?? '', /refused HEAD \(403\)/);
    assert.ok(!info.warnings[0]?.includes('Signature'), 'the query string stays out of messages');
    const source = await networkSource.open(`${server.url}/signed.img?${SIGNED_QUERY}`, config, signal);
    await source.close();
    assert.equal(source.size, IMAGE.length);
  });

  it('fails on a missing image and on a refused connection, naming the URL', async () => {
    await assert.rejects(networkSource.inspect(`${server.url}/nothing.img`, config, signal), /nothing.img failed: the server answered 404/);
    const closedPort = await unusedPort();
    await assert.rejects(networkSource.inspect(`http://127.0.0.1:${closedPort}/image.img`, config, signal), (error: Error) => {
      assert.ok(error instanceof ImageDownloadFailed);
      assert.match(error.message, /ECONNREFUSED/);
      return true;
    });
  });

  it('says ftp is not supported rather than failing obscurely', async () => {
    await assert.rejects(networkSource.inspect('ftp://mirror/image.img', config, signal), UnsupportedImageUrl);
  });

  it('stops asking when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(networkSource.inspect(`${server.url}/image.img`, config, controller.signal), AbortedError);
  });

  it('prints URLs without credentials or query strings', () => {
    assert.equal(printableUrl('https://user:pw@host:8443/a/b.img?sig=x'), 'https://host:8443/a/b.img?...');
  });
});
