import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { realInputFiles } from '../../../src/host/inputs/real-input-files.ts';

describe('input files on the real filesystem', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'snf-image-inputs-'));
    await writeFile(join(dir, 'snf-image.conf'), 'HELPER_MEMORY=1024\n');
    await mkdir(join(dir, 'variants'));
    await symlink(join(dir, 'snf-image.conf'), join(dir, 'link'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a file and gives undefined for a missing one', async () => {
    assert.equal(await realInputFiles.readText(join(dir, 'snf-image.conf')), 'HELPER_MEMORY=1024\n');
    assert.equal(await realInputFiles.readText(join(dir, 'missing.conf')), undefined);
    assert.equal(await realInputFiles.readText(join(dir, 'snf-image.conf', 'below-a-file')), undefined);
  });

  it('tells files, directories, missing paths and special files apart, following symlinks', async () => {
    assert.equal(await realInputFiles.kind(join(dir, 'snf-image.conf')), 'file');
    assert.equal(await realInputFiles.kind(join(dir, 'link')), 'file');
    assert.equal(await realInputFiles.kind(join(dir, 'variants')), 'directory');
    assert.equal(await realInputFiles.kind(join(dir, 'missing')), 'missing');
    assert.equal(await realInputFiles.kind('/dev/null'), 'other');
  });

  it('recognizes a block device', async (t) => {
    const devices = [];
    for (const name of await readdir('/dev')) {
      if ((await stat(join('/dev', name)).catch(() => undefined))?.isBlockDevice()) devices.push(join('/dev', name));
    }
    const device = devices[0];
    if (device === undefined) return t.skip('this machine has no block device in /dev');
    assert.equal(await realInputFiles.kind(device), 'block-device');
  });
});
