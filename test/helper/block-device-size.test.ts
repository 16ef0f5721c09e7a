import assert from 'node:assert/strict';
import { mkdtemp, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { realProcesses } from '../../src/effects/real/processes.ts';
import { blockDeviceBytes } from '../../src/helper/block-device-size.ts';

describe('blockDeviceBytes', () => {
  it('gives what blockdev --getsize64 gives, through a symlink too, and names a path that is no block device', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'snf-image-size-'));
    const image = join(dir, 'disk');
    await writeFile(image, '');
    await truncate(image, 3 * 1024 * 1024 + 512);
    const device = (await realProcesses.run('losetup', ['-f', '--show', image])).stdout.trim();
    try {
      const expected = Number((await realProcesses.run('blockdev', ['--getsize64', device])).stdout.trim());
      assert.equal(await blockDeviceBytes(device), expected);
      assert.equal(expected, 3 * 1024 * 1024 + 512);
      await symlink(device, join(dir, 'link'));
      assert.equal(await blockDeviceBytes(join(dir, 'link')), expected);
      await assert.rejects(blockDeviceBytes(image), { message: `cannot tell the size of ${image}: the kernel knows no block device disk` });
    } finally {
      await realProcesses.run('losetup', ['-d', device]);
      await rm(dir, { recursive: true, force: true });
    }
  });
});
