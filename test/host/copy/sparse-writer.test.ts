import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { alignedBuffers } from '../../../src/host/copy/aligned-buffers.ts';
import { openDiskWriter } from '../../../src/host/copy/disk-writer.ts';
import { sparseWriter } from '../../../src/host/copy/sparse-writer.ts';
import { MIN_SKIPPED_RUN, nonZeroSegments } from '../../../src/host/copy/zero-runs.ts';
import { attachLoop, detachLoop } from './loop-device.ts';

const KiB = 1024;
const MiB = 1024 * KiB;
const STALE = 0xee;

/** 4 MiB: data, a long zero run, a lone zero block inside data, data, a zero tail. */
function mostlyEmpty(): Buffer {
  const image = Buffer.alloc(4 * MiB);
  randomBytes(64 * KiB).copy(image, 0);
  randomBytes(64 * KiB).copy(image, 2 * MiB);
  image.fill(0, 2 * MiB + 16 * KiB, 2 * MiB + 20 * KiB);
  randomBytes(8 * KiB).copy(image, 3 * MiB);
  return image;
}

describe('nonZeroSegments', () => {
  it('leaves out zero runs of at least MIN_SKIPPED_RUN and keeps shorter ones with their data', () => {
    assert.deepEqual(nonZeroSegments(mostlyEmpty()), [
      [0, 64 * KiB],
      [2 * MiB, 2 * MiB + 64 * KiB],
      [3 * MiB, 3 * MiB + 8 * KiB],
    ]);
  });

  it('gives nothing for all zeros and everything for no zeros', () => {
    assert.deepEqual(nonZeroSegments(Buffer.alloc(MIN_SKIPPED_RUN * 2)), []);
    assert.deepEqual(nonZeroSegments(Buffer.alloc(MIN_SKIPPED_RUN * 2, 1)), [[0, MIN_SKIPPED_RUN * 2]]);
  });

  it('keeps a tail that is not a whole block, apart from the zero run before it', () => {
    const data = Buffer.alloc(MIN_SKIPPED_RUN + 100);
    data[data.length - 1] = 1;
    assert.deepEqual(nonZeroSegments(data), [[MIN_SKIPPED_RUN, MIN_SKIPPED_RUN + 100]]);
  });
});

describe('sparseWriter', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sparse-writer-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  /** Writes the image through a sparse writer onto `path`, as the copy does, and says how many zero bytes it left out. */
  async function writeSparse(path: string, image: Buffer, announced: number | undefined = image.length): Promise<number> {
    const disk = await openDiskWriter(path);
    try {
      const writer = await sparseWriter(disk, announced, new AbortController().signal);
      const [buffer] = alignedBuffers(1, image.length);
      image.copy(buffer!);
      await writer.write(buffer!, 0);
      await writer.flush();
      return writer.skippedBytes;
    } finally {
      await disk.close();
    }
  }

  it('skips zero runs on a file disk, which then reads zeros there, not the stale bytes', async () => {
    const path = join(dir, 'file.disk');
    await writeFile(path, Buffer.alloc(6 * MiB, STALE));
    const image = mostlyEmpty();
    const skipped = await writeSparse(path, image);
    assert.ok(skipped > 3 * MiB, `skipped ${skipped}`);
    const disk = await readFile(path);
    assert.ok(disk.subarray(0, image.length).equals(image));
    assert.ok(disk.subarray(image.length).every((b) => b === STALE), 'nothing past the image changes');
  });

  it('skips zero runs on a loop device through BLKZEROOUT', async () => {
    const backing = join(dir, 'loop.disk');
    await writeFile(backing, Buffer.alloc(6 * MiB, STALE));
    const device = attachLoop(backing);
    const image = mostlyEmpty();
    let skipped: number;
    try {
      skipped = await writeSparse(device, image);
    } finally {
      detachLoop(device);
    }
    assert.ok(skipped > 3 * MiB, `skipped ${skipped}`);
    const disk = await readFile(backing);
    assert.ok(disk.subarray(0, image.length).equals(image));
    assert.ok(disk.subarray(image.length).every((b) => b === STALE));
  });

  it('writes every zero where the disk cannot be zeroed cheaply (tmpfs has no zero-range)', { skip: !existsSync('/dev/shm') && 'no /dev/shm' }, async () => {
    const shm = await mkdtemp('/dev/shm/sparse-writer-');
    try {
      const path = join(shm, 'disk');
      await writeFile(path, Buffer.alloc(5 * MiB, STALE));
      assert.throws(() => execFileSync('fallocate', ['--zero-range', '--length', '4096', path], { stdio: 'ignore' }), 'tmpfs refuses zero-range here');
      const image = mostlyEmpty();
      assert.equal(await writeSparse(path, image), 0);
      assert.ok((await readFile(path)).subarray(0, image.length).equals(image));
    } finally {
      await rm(shm, { recursive: true, force: true });
    }
  });

  it('with no size announced, zeroes ahead of the writes and still leaves no stale byte in the image', async () => {
    const path = join(dir, 'unknown.disk');
    await writeFile(path, Buffer.alloc(6 * MiB, STALE));
    const image = mostlyEmpty();
    assert.ok((await writeSparse(path, image, undefined)) > 3 * MiB);
    assert.ok((await readFile(path)).subarray(0, image.length).equals(image));
  });
});
