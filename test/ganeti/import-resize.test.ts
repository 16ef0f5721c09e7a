import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, writeFile, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { findDeployableImage } from './support/deployable-image.ts';
import { REPO_DIR, SNF_IMAGE_BIN } from './support/install-snf-image.ts';

/**
 * IMPORT_RESIZE=yes for real: `snf-image import` of the Debian guest image
 * onto a disk 512 MiB larger, with the helper VM growing the partition and
 * its ext4 filesystem. Needs the guest image and helper fixtures (see
 * support/deployable-image.ts); skipped without them.
 */
const GROWTH_MiB = 512;
const PASSWORD = 'n0t-applied-again';

async function sectors(disk: string): Promise<{ start: number; size: number }> {
  const { stdout } = await execa('sfdisk', ['--json', disk]);
  const [partition] = (JSON.parse(stdout) as { partitiontable: { partitions: { start: number; size: number }[] } }).partitiontable.partitions;
  assert.ok(partition, 'the disk has a partition');
  return partition;
}

/** The ext4 filesystem's size in bytes, read from its superblock through a read-only loop device. */
async function filesystemBytes(disk: string, partition: { start: number; size: number }): Promise<number> {
  const { stdout: device } = await execa('losetup', ['--show', '-f', '-r', '-o', String(partition.start * 512), '--sizelimit', String(partition.size * 512), disk]);
  try {
    const { stdout } = await execa('dumpe2fs', ['-h', device.trim()], { stderr: 'ignore' });
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(stdout)?.[1]);
    return field('Block count') * field('Block size');
  } finally {
    await execa('losetup', ['-d', device.trim()]);
  }
}

describe('snf-image import onto a larger disk with IMPORT_RESIZE=yes', { timeout: 900_000 }, () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'import-resize-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('grows the root partition to the end of the disk and its filesystem with it, without applying the guest parameters again', async () => {
    const image = await findDeployableImage();
    const imagePath = join(image.imageDir, image.imageId);
    const imageBytes = (await stat(imagePath)).size;
    const before = await sectors(imagePath);

    const disk = join(dir, 'disk0');
    await writeFile(disk, '');
    await truncate(disk, imageBytes + GROWTH_MiB * 2 ** 20);
    const config = join(dir, 'snf-image.conf');
    await writeFile(config, `IMPORT_RESIZE=yes\nHELPER_DIR=${image.helperDir}\nHELPER_SOFT_TIMEOUT=600\nTRACE_DIR=${join(dir, 'traces')}\n`);

    // The environment Ganeti gives import (ganeti-os-calls.md A.7), with the exported instance's parameters.
    const result = await execa(process.execPath, [SNF_IMAGE_BIN, 'import'], {
      cwd: REPO_DIR,
      extendEnv: false,
      env: {
        PATH: '/sbin:/bin:/usr/sbin:/usr/bin',
        SNF_IMAGE_CONFIG_FILE: config,
        OS_API_VERSION: '20', OS_NAME: 'snf-image', OS_VARIANT: '',
        INSTANCE_NAME: 'copy.example', HYPERVISOR: 'fake', NIC_COUNT: '0',
        DISK_COUNT: '1', DISK_0_PATH: disk, DISK_0_ACCESS: 'rw', DISK_0_SIZE: String(Math.round((imageBytes + GROWTH_MiB * 2 ** 20) / 2 ** 20)),
        IMPORT_DEVICE: disk, IMPORT_DISK_PATH: disk, IMPORT_INDEX: '0',
        OSP_IMG_ID: image.imageId, OSP_IMG_FORMAT: 'diskdump', OSP_IMG_PASSWD: PASSWORD, OSP_IMG_PROPERTIES: '{"OSFAMILY":"linux"}',
      },
      inputFile: imagePath,
      reject: false,
      all: true,
    });
    assert.equal(result.exitCode, 0, result.all.split('\n').slice(-20).join('\n'));
    assert.match(result.stderr, /grew the partition and filesystem of/);
    assert.doesNotMatch(result.all, new RegExp(PASSWORD));
    assert.match(result.stderr, /Tasks [A-Za-z, ]*ChangePassword[A-Za-z, ]* were excluded by EXCLUDE_MOUNTED_TASKS and will not run/, 'only the disk-layout tasks ran');
    assert.equal(result.stderr.match(/excluded by EXCLUDE_MOUNTED_TASKS/g)?.length, 1, 'the exclusion is said once, not once a task');

    const after = await sectors(disk);
    assert.equal(after.start, before.start);
    const diskSectors = (await stat(disk)).size / 512;
    assert.ok(after.size > before.size + ((GROWTH_MiB - 8) * 2 ** 20) / 512, `the partition grew: ${before.size} -> ${after.size} sectors of ${diskSectors}`);
    assert.ok(after.start + after.size <= diskSectors);
    const fsBytes = await filesystemBytes(disk, after);
    assert.ok(fsBytes > (after.size * 512) * 0.99, `the filesystem fills the partition: ${fsBytes} bytes of ${after.size * 512}`);
  });
});
