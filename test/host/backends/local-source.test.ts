import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ImageOutsideImageDir, localImageName, localSource, LocalImageNotFound, resolveLocalImage } from '../../../src/host/backends/local-source.ts';

describe('local source back-end', () => {
  let root: string;
  let imageDir: string;
  const config = () => ({ imageDir, backendsConfigDir: join(root, 'backends') });
  const signal = new AbortController().signal;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'local-source-test-'));
    imageDir = join(root, 'images');
    await mkdir(join(imageDir, 'debian'), { recursive: true });
    await writeFile(join(imageDir, 'debian', 'bookworm.img'), Buffer.alloc(3000, 1));
    await writeFile(join(root, 'secret.img'), 'outside');
    await symlink(join(root, 'secret.img'), join(imageDir, 'escape.img'));
    await symlink(root, join(imageDir, 'parent'));
    await symlink('debian/bookworm.img', join(imageDir, 'latest.img'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('accepts local://NAME, file://NAME and bare names, not other schemes', () => {
    assert.deepEqual(localImageName('local://a.img'), { name: 'a.img', deprecated: false });
    assert.deepEqual(localImageName('file://a.img'), { name: 'a.img', deprecated: true });
    assert.deepEqual(localImageName('a.img'), { name: 'a.img', deprecated: false });
    assert.equal(localImageName('http://host/a.img'), undefined);
    assert.equal(localImageName('null:x'), undefined);
    assert.equal(localImageName('local://'), undefined);
  });

  it('sizes an image by stat, in a subdirectory too', async () => {
    assert.deepEqual(await localSource.inspect('local://debian/bookworm.img', config(), signal), { size: 3000, warnings: [] });
  });

  it('warns that file:// is deprecated', async () => {
    const info = await localSource.inspect('file://debian/bookworm.img', config(), signal);
    assert.equal(info.size, 3000);
    assert.match(info.warnings[0] ?? '', /file:\/\/ form is deprecated/);
  });

  it('follows a symlink that stays inside the image directory', async () => {
    assert.equal((await resolveLocalImage('latest.img', imageDir)).size, 3000);
  });

  for (const id of ['../secret.img', 'local://../secret.img', 'debian/../../secret.img', 'escape.img', 'parent/secret.img']) {
    it(`refuses ${id}, which leads outside the image directory`, async () => {
      await assert.rejects(localSource.inspect(id, config(), signal), ImageOutsideImageDir);
      await assert.rejects(localSource.open(id, config(), signal), ImageOutsideImageDir);
    });
  }

  it('keeps an absolute name inside the image directory', async () => {
    await assert.rejects(resolveLocalImage(`local://${join(root, 'secret.img')}`, imageDir), LocalImageNotFound);
  });

  it('names a missing image and a directory that is not an image', async () => {
    await assert.rejects(resolveLocalImage('nothing.img', imageDir), /no image named "nothing.img"/);
    await assert.rejects(resolveLocalImage('debian', imageDir), /"debian" is not a regular file/);
    await assert.rejects(resolveLocalImage('a.img', join(root, 'missing')), /image directory does not exist/);
  });

  it('reads the image bytes', async () => {
    const source = await localSource.open('debian/bookworm.img', config(), signal);
    try {
      const buffer = Buffer.alloc(4096);
      assert.equal(await source.read(buffer), 3000);
      assert.equal(await source.read(buffer), 0);
    } finally {
      await source.close();
    }
  });
});
