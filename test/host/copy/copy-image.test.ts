import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AbortedError, type EffectEvent } from '../../../src/effects/effect.ts';
import { EmptyImage } from '../../../src/host/backends/backend-errors.ts';
import { standardBackends } from '../../../src/host/backends/backend-registry.ts';
import { ImageDownloadFailed } from '../../../src/host/backends/network-source.ts';
import { copyImage, type CopyImageInput } from '../../../src/host/copy/copy-image.ts';
import { ImageSizeMismatch } from '../../../src/host/copy/copy-stream.ts';
import { DiskTooSmall, DiskWriteFailed } from '../../../src/host/copy/disk-writer.ts';
import { UnknownImageFormat } from '../../../src/host/image-format/image-format.ts';
import { MBR_PREFIX_BYTES } from '../../../src/host/image-format/mbr.ts';
import { SIGNED_QUERY, startImageServer, type ImageServer } from './image-server.ts';
import { attachLoop, detachLoop } from './loop-device.ts';
import { processHasOpen } from './open-files.ts';

/** 9 MiB and a few bytes: more than two copy buffers, and a tail that is not sector-aligned. */
const IMAGE = randomBytes(9 * 1024 * 1024 + 123);
const MiB = 1024 * 1024;
const backends = standardBackends();

describe('copyImage', () => {
  let dir: string;
  let server: ImageServer;
  let events: EffectEvent[];
  const ctx = (signal = new AbortController().signal) => ({ signal, emit: (e: EffectEvent) => void events.push(e) });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'copy-image-test-'));
    await writeFile(join(dir, 'debian.img'), IMAGE);
    server = await startImageServer(IMAGE);
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A file disk of `size` bytes filled with 0xEE, so bytes the copy must not touch are recognisable. */
  async function fileDisk(name: string, size: number): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, Buffer.alloc(size, 0xee));
    return path;
  }

  function input(imageId: string, source: string, target: string, format = 'diskdump'): CopyImageInput {
    events = [];
    return { imageId, source, format, target, config: { imageDir: dir, backendsConfigDir: join(dir, 'backends') }, progressIntervalMs: 0 };
  }

  it('writes a local diskdump into a bigger file disk without truncating it or touching its tail', async () => {
    const disk = await fileDisk('bigger.disk', 16 * MiB);
    const summary = await copyImage(input('local://debian.img', 'local', disk), ctx(), backends);
    assert.equal(summary.bytes, IMAGE.length);
    const written = await readFile(disk);
    assert.equal(written.length, 16 * MiB);
    assert.ok(written.subarray(0, IMAGE.length).equals(IMAGE));
    assert.ok(written.subarray(IMAGE.length).every((b) => b === 0xee));
  });

  it('reports progress as image-copy-progress does, ending at 100%', async () => {
    const disk = await fileDisk('progress.disk', 16 * MiB);
    await copyImage(input('debian.img', 'local', disk), ctx(), backends);
    const last = events.at(-1);
    assert.deepEqual(last, { type: 'copy.progress', position: IMAGE.length, total: IMAGE.length, progress: 100 });
    const positions = events.map((e) => e.position as number);
    assert.ok(positions.length >= 3, 'an event per buffer with a zero interval');
    assert.deepEqual(positions, [...positions].sort((a, b) => a - b));
  });

  it('puts an extdump behind a 1 MiB MBR whose partition 1 holds the image', async () => {
    const disk = await fileDisk('extdump.disk', 12 * MiB);
    const summary = await copyImage(input('debian.img', 'local', disk, 'extdump'), ctx(), backends);
    assert.equal(summary.bytes, MBR_PREFIX_BYTES + IMAGE.length);
    const written = await readFile(disk);
    assert.ok(written.subarray(MBR_PREFIX_BYTES, MBR_PREFIX_BYTES + IMAGE.length).equals(IMAGE));
    assert.deepEqual(events.at(-1), { type: 'copy.progress', position: summary.bytes, total: summary.bytes, progress: 100 });
  });

  it('downloads an image with Content-Length', async () => {
    const disk = await fileDisk('http.disk', 10 * MiB);
    await copyImage(input(`${server.url}/image.img`, 'network', disk), ctx(), backends);
    assert.ok((await readFile(disk)).subarray(0, IMAGE.length).equals(IMAGE));
    assert.equal(events.at(-1)?.total, IMAGE.length);
  });

  it('downloads an image without Content-Length, reporting positions without a total', async () => {
    const disk = await fileDisk('chunked.disk', 10 * MiB);
    const summary = await copyImage(input(`${server.url}/chunked.img`, 'network', disk), ctx(), backends);
    assert.equal(summary.bytes, IMAGE.length);
    assert.ok((await readFile(disk)).subarray(0, IMAGE.length).equals(IMAGE));
    assert.deepEqual(events.at(-1), { type: 'copy.progress', position: IMAGE.length });
  });

  it('downloads a URL with a query string as it is', async () => {
    const disk = await fileDisk('signed.disk', 10 * MiB);
    await copyImage(input(`${server.url}/signed.img?${SIGNED_QUERY}`, 'network', disk), ctx(), backends);
    assert.ok((await readFile(disk)).subarray(0, IMAGE.length).equals(IMAGE));
  });

  for (const path of ['/drop.img', '/drop-chunked.img']) {
    it(`fails, never succeeds, when the connection drops mid-stream (${path})`, async () => {
      const disk = await fileDisk('dropped.disk', 10 * MiB);
      await assert.rejects(copyImage(input(`${server.url}${path}`, 'network', disk), ctx(), backends), (error: Error) => {
        assert.ok(error instanceof ImageDownloadFailed || error instanceof ImageSizeMismatch, String(error));
        return true;
      });
      assert.equal(processHasOpen(disk), false);
    });
  }

  it('names the HTTP status of a missing image and hides the query string', async () => {
    const disk = await fileDisk('missing.disk', MiB);
    await assert.rejects(
      copyImage(input(`${server.url}/nothing.img?token=secret`, 'network', disk), ctx(), backends),
      (error: Error) => error instanceof ImageDownloadFailed && /404/.test(error.message) && !error.message.includes('secret'),
    );
  });

  it('refuses an image bigger than the disk before writing anything', async () => {
    const disk = await fileDisk('small.disk', 4 * MiB);
    await assert.rejects(copyImage(input('debian.img', 'local', disk), ctx(), backends), DiskTooSmall);
    assert.ok((await readFile(disk)).every((b) => b === 0xee));
  });

  it('fails naming the disk and ENOSPC when the filesystem under a file disk is full, and closes the disk', async () => {
    const small = join(dir, 'small-fs');
    await mkdir(small);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', small]);
    try {
      const disk = join(small, 'sparse.disk');
      await writeFile(disk, '');
      await truncate(disk, 16 * MiB);
      await assert.rejects(copyImage(input('debian.img', 'local', disk), ctx(), backends), (error: Error) => {
        assert.ok(error instanceof DiskWriteFailed, String(error));
        assert.match(error.message, new RegExp(`^writing the image to disk ${disk} failed at byte \\d+: no space left on the device \\(ENOSPC\\)`));
        return true;
      });
      assert.equal(processHasOpen(disk), false);
    } finally {
      execFileSync('umount', [small]);
    }
  });

  it('rejects an unknown img_format naming the valid ones', async () => {
    await assert.rejects(copyImage(input('debian.img', 'local', '/nonexistent', 'vmdk'), ctx(), backends), (error: Error) => {
      assert.ok(error instanceof UnknownImageFormat);
      assert.match(error.message, /"vmdk".*diskdump, extdump, ntfsdump, qcow2/);
      return true;
    });
  });

  it('refuses an empty image, local or downloaded without Content-Length, writing nothing', async () => {
    await writeFile(join(dir, 'empty.img'), '');
    for (const [imageId, source] of [['local://empty.img', 'local'], [`${server.url}/empty-chunked.img`, 'network']] as const) {
      const disk = await fileDisk('empty.disk', 2 * MiB);
      await assert.rejects(copyImage(input(imageId, source, disk), ctx(), backends), EmptyImage);
      assert.ok((await readFile(disk)).every((b) => b === 0xee), `${source}: the disk is untouched`);
    }
  });

  it('writes nothing for img_id null, whatever the format', async () => {
    const disk = await fileDisk('null.disk', 2 * MiB);
    const summary = await copyImage(input('null', 'null', disk, 'extdump'), ctx(), backends);
    assert.equal(summary.bytes, 0);
    assert.ok((await readFile(disk)).every((b) => b === 0xee));
    assert.deepEqual(events, [{ type: 'copy.progress', position: 0, total: 0, progress: 0 }]);
  });

  it('stops when aborted mid-download and releases the disk and the connection', async () => {
    const disk = await fileDisk('aborted.disk', 10 * MiB);
    const controller = new AbortController();
    const copying = copyImage(input(`${server.url}/stall.img`, 'network', disk), {
      signal: controller.signal,
      emit: () => {},
    }, backends);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(processHasOpen(disk), true, 'the disk is open while copying');
    controller.abort();
    await assert.rejects(copying, AbortedError);
    assert.equal(processHasOpen(disk), false);
    for (let i = 0; i < 50 && server.stalledConnections() > 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(server.stalledConnections(), 0);
  });

  it('writes onto a loop device, leaving the device past the image alone', async () => {
    const backing = await fileDisk('loop.disk', 12 * MiB);
    const device = attachLoop(backing);
    try {
      const summary = await copyImage(input(`${server.url}/image.img`, 'network', device, 'ntfsdump'), ctx(), backends);
      assert.equal(summary.bytes, MBR_PREFIX_BYTES + IMAGE.length);
      assert.equal(processHasOpen(device), false);
    } finally {
      detachLoop(device);
    }
    const written = await readFile(backing);
    assert.equal((await stat(backing)).size, 12 * MiB);
    assert.ok(written.subarray(MBR_PREFIX_BYTES, MBR_PREFIX_BYTES + IMAGE.length).equals(IMAGE));
    assert.ok(written.subarray(MBR_PREFIX_BYTES + IMAGE.length).every((b) => b === 0xee));
  });

  it('closes the loop device when aborted mid-copy', async () => {
    const backing = await fileDisk('loop-aborted.disk', 12 * MiB);
    const device = attachLoop(backing);
    try {
      const controller = new AbortController();
      const copying = copyImage(input('debian.img', 'local', device), {
        signal: controller.signal,
        emit: (event) => {
          if ((event.position as number) > 0) controller.abort();
        },
      }, backends);
      await assert.rejects(copying, AbortedError);
      assert.equal(processHasOpen(device), false);
    } finally {
      detachLoop(device);
    }
  });

  it('fails when a local image shrinks during the copy', async () => {
    const shrinking = join(dir, 'shrinking.img');
    await writeFile(shrinking, IMAGE);
    const disk = await fileDisk('shrunk.disk', 10 * MiB);
    let shrunk = false;
    const result = copyImage(input('shrinking.img', 'local', disk), {
      signal: new AbortController().signal,
      emit: () => {
        if (!shrunk) {
          shrunk = true;
          void truncate(shrinking, 5 * MiB);
        }
      },
    }, backends);
    await assert.rejects(result, ImageSizeMismatch);
  });
});
