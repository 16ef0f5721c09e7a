import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import type { EffectEvent } from '../../../src/effects/effect.ts';
import { copyImage, ImageSizeUnknown, type CopyImageInput } from '../../../src/host/copy/copy-image.ts';
import { ChecksumMismatch } from '../../../src/host/copy/image-checksum.ts';
import { CorruptCompressedImage } from '../../../src/host/image-format/decompressed-source.ts';
import { DiskTooSmall } from '../../../src/host/copy/disk-writer.ts';
import { rawDisk } from '../image-format/image-fixtures.ts';
import { startImageServer } from './image-server.ts';
import { processHasOpen } from './open-files.ts';
import { standardBackends } from '../../../src/host/backends/backend-registry.ts';

const backends = standardBackends();

const MiB = 1024 * 1024;
const RAW = rawDisk();
const STALE = 0xee;

const made = new Map<string, Buffer>();

/** The image compressed by the real tools (at their fastest level: random data does not shrink anyway), made once. */
function compressed(kind: 'gzip' | 'xz' | 'zstd'): Buffer {
  if (!made.has(kind)) {
    made.set(kind, kind === 'gzip' ? gzipSync(RAW) : execFileSync(kind, ['--compress', '--stdout', '-q', '-1'], { input: RAW, maxBuffer: 64 * MiB }));
  }
  return made.get(kind)!;
}

describe('compressed diskdump images', () => {
  let dir: string;
  let events: EffectEvent[];
  const ctx = () => ({ signal: new AbortController().signal, emit: (e: EffectEvent) => void events.push(e) });
  const input = (imageId: string, target: string, extra: Partial<CopyImageInput> = {}): CopyImageInput => {
    events = [];
    const source = imageId.startsWith('http') ? 'network' : 'local';
    return { imageId, source, format: 'diskdump', target, config: { imageDir: dir, backendsConfigDir: join(dir, 'b') }, progressIntervalMs: 0, ...extra };
  };
  const staleDisk = async (name: string, size = 8 * MiB) => {
    const path = join(dir, name);
    await writeFile(path, Buffer.alloc(size, STALE));
    return path;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'compressed-test-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  for (const kind of ['gzip', 'xz', 'zstd'] as const) {
    it(`decompresses a ${kind} image told by its magic bytes, not its name`, async () => {
      await writeFile(join(dir, `${kind}.img`), compressed(kind));
      const disk = await staleDisk(`${kind}.disk`);
      const summary = await copyImage(input(`${kind}.img`, disk), ctx(), backends);
      assert.equal(summary.bytes, RAW.length);
      const written = await readFile(disk);
      assert.ok(written.subarray(0, RAW.length).equals(RAW), 'the zero runs read as zeros, not as the stale bytes');
      // With no size known ahead, the disk is zeroed a stride ahead of the writes: past the image it reads as zeros too.
      assert.ok(written.subarray(RAW.length).every((b) => b === 0));
      assert.deepEqual(events.at(-1), { type: 'copy.progress', position: RAW.length }, 'the decompressed size is not known ahead');
    });

    it(`names the image and says the ${kind} stream is truncated`, async () => {
      const whole = compressed(kind);
      await writeFile(join(dir, `cut-${kind}.img`), whole.subarray(0, Math.floor(whole.length * 0.6)));
      const disk = await staleDisk(`cut-${kind}.disk`);
      await assert.rejects(copyImage(input(`cut-${kind}.img`, disk), ctx(), backends), (error: Error) => {
        assert.ok(error instanceof CorruptCompressedImage, String(error));
        assert.match(error.message, new RegExp(`image "cut-${kind}\\.img" is ${kind}-compressed and cannot be decompressed: .+; the image file is truncated or damaged`));
        return true;
      });
      assert.equal(processHasOpen(disk), false);
    });
  }

  it('downloads and decompresses a zstd image over HTTP', async () => {
    const server = await startImageServer(compressed('zstd'));
    try {
      const disk = await staleDisk('http-zstd.disk');
      await copyImage(input(`${server.url}/image.img`, disk), ctx(), backends);
      assert.ok((await readFile(disk)).subarray(0, RAW.length).equals(RAW));
    } finally {
      await server.close();
    }
  });

  it('reports the cut download, not the decompressor, when an xz download breaks', async () => {
    const server = await startImageServer(compressed('xz'));
    try {
      await assert.rejects(copyImage(input(`${server.url}/drop.img`, await staleDisk('drop-xz.disk')), ctx(), backends), /downloading the image from http:\/\/127\.0\.0\.1:\d+\/drop\.img failed: the connection was lost/);
    } finally {
      await server.close();
    }
  });

  it('fails at the first write past the end when the decompressed image outgrows the disk', async () => {
    await writeFile(join(dir, 'big.img'), compressed('zstd'));
    const disk = await staleDisk('small.disk', 2 * MiB);
    await assert.rejects(copyImage(input('big.img', disk), ctx(), backends), (error: Error) => error instanceof DiskTooSmall && /^image "big\.img": the image does not fit disk .*small\.disk/.test(error.message));
  });

  it('refuses a compressed extdump, which needs its size before the first byte', async () => {
    await writeFile(join(dir, 'fs.img'), compressed('gzip'));
    await assert.rejects(copyImage(input('fs.img', await staleDisk('fs.disk'), { format: 'extdump' }), ctx(), backends), ImageSizeUnknown);
  });

  it('checks img_checksum on the compressed bytes as fetched', async () => {
    const image = compressed('xz');
    await writeFile(join(dir, 'summed.img.xz'), image);
    const sum = createHash('sha256').update(image).digest('hex');
    await copyImage(input('summed.img.xz', await staleDisk('summed.disk'), { checksum: `sha256:${sum.toUpperCase()}` }), ctx(), backends);
    const wrong = createHash('sha256').update(RAW).digest('hex');
    await assert.rejects(copyImage(input('summed.img.xz', await staleDisk('wrong.disk'), { checksum: `sha256:${wrong}` }), ctx(), backends), (error: Error) => {
      assert.ok(error instanceof ChecksumMismatch);
      assert.match(error.message, new RegExp(`image "summed\\.img\\.xz" does not match img_checksum: its sha256 is ${sum}, img_checksum says ${wrong}`));
      return true;
    });
  });

  it('checks a sha512 img_checksum on a download', async () => {
    const server = await startImageServer(RAW);
    try {
      const sum = createHash('sha512').update(RAW).digest('hex');
      await copyImage(input(`${server.url}/chunked.img`, await staleDisk('sha512.disk'), { checksum: `sha512:${sum}` }), ctx(), backends);
      await assert.rejects(copyImage(input(`${server.url}/chunked.img`, await staleDisk('sha512-bad.disk'), { checksum: `sha512:${'0'.repeat(128)}` }), ctx(), backends), ChecksumMismatch);
    } finally {
      await server.close();
    }
  });
  it('starts the decompressor with only the environment a program needs, never the OS parameters', async () => {
    // A zstd first on PATH that writes down its environment, then is the real one.
    const bin = join(dir, 'bin');
    await mkdir(bin);
    await writeFile(join(bin, 'zstd'), `#!/bin/sh\nenv > ${join(dir, 'zstd-environ')}\nexec /usr/bin/zstd "$@"\n`, { mode: 0o755 });
    const saved = { PATH: process.env.PATH, OSP_IMG_PASSWD: process.env.OSP_IMG_PASSWD };
    process.env.PATH = `${bin}:${saved.PATH ?? '/usr/bin:/bin'}`;
    process.env.OSP_IMG_PASSWD = 'secret-in-the-environment';
    try {
      await writeFile(join(dir, 'environ.img'), compressed('zstd'));
      await copyImage(input('environ.img', await staleDisk('environ.disk')), ctx(), backends);
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
    const environ = await readFile(join(dir, 'zstd-environ'), 'utf8');
    assert.match(environ, /^PATH=/m, 'the stand-in ran');
    assert.doesNotMatch(environ, /OSP_IMG_PASSWD|secret-in-the-environment/);
  });
});
