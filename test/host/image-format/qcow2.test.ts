import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AbortedError, type EffectEvent } from '../../../src/effects/effect.ts';
import { copyImage, type CopyImageInput } from '../../../src/host/copy/copy-image.ts';
import { ChecksumMismatch } from '../../../src/host/copy/image-checksum.ts';
import { Qcow2LargerThanDisk } from '../../../src/host/image-format/qcow2-copy.ts';
import { CorruptQcow2, parseQcow2Header, Qcow2Refused, Qcow2Unsupported } from '../../../src/host/image-format/qcow2-header.ts';
import { Qcow2StreamDecoder } from '../../../src/host/image-format/qcow2-stream.ts';
import { SpillFile } from '../../../src/host/image-format/spill-file.ts';
import { startImageServer, type ImageServer } from '../copy/image-server.ts';
import { attachLoop, detachLoop } from '../copy/loop-device.ts';
import { processHasOpen } from '../copy/open-files.ts';
import { qcow2From, qemuIo, qemuRaw, rawDisk, reorderedQcow2, writeRaw } from './image-fixtures.ts';
import { standardBackends } from '../../../src/host/backends/backend-registry.ts';

const backends = standardBackends();

const MiB = 1024 * 1024;
const RAW = rawDisk();
const STALE = 0xee;

describe('qcow2 images', () => {
  let dir: string;
  let events: EffectEvent[];
  const ctx = () => ({ signal: new AbortController().signal, emit: (e: EffectEvent) => void events.push(e) });
  const input = (imageId: string, target: string, source = 'local'): CopyImageInput => {
    events = [];
    return { imageId, source, format: 'qcow2', target, config: { imageDir: dir, backendsConfigDir: join(dir, 'backends') }, progressIntervalMs: 0 };
  };
  /** A file disk full of bytes an earlier instance left, so a zero that was not written shows. */
  const staleDisk = async (name: string, size = 8 * MiB) => {
    const path = join(dir, name);
    await writeFile(path, Buffer.alloc(size, STALE));
    return path;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'qcow2-test-'));
    writeRaw(dir, 'disk.raw', RAW);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const variants: Array<[string, () => string]> = [
    ['version 3', () => qcow2From(join(dir, 'disk.raw'), join(dir, 'v3.qcow2'))],
    ['version 2', () => qcow2From(join(dir, 'disk.raw'), join(dir, 'v2.qcow2'), ['compat=0.10'])],
    ['compressed clusters', () => qcow2From(join(dir, 'disk.raw'), join(dir, 'compressed.qcow2'), [], true)],
    ['4 KiB clusters', () => qcow2From(join(dir, 'disk.raw'), join(dir, 'small-clusters.qcow2'), ['cluster_size=4096'])],
    [
      'zero clusters',
      () => {
        const image = qcow2From(join(dir, 'disk.raw'), join(dir, 'zeroed.qcow2'));
        qemuIo(image, 'write -z 0 512k');
        return image;
      },
    ],
    ['an L2 table after its clusters', () => reorderedQcow2(join(dir, 'disk.raw'), join(dir, 'reordered.qcow2'))],
  ];
  // A local file is read at offsets (qcow2-file-copy.ts), a download as a stream (qcow2-stream.ts): both readers, every variant.
  for (const [what, build] of variants) {
    for (const how of ['from a local file', 'over HTTP'] as const) {
      it(`writes what qemu reads from a qcow2 with ${what}, ${how}, and zeros over stale bytes`, async () => {
        const image = build();
        const expected = qemuRaw(image, join(dir, 'expected.raw'));
        const disk = await staleDisk('file.disk');
        const server = how === 'over HTTP' ? await startImageServer(readFileSync(image)) : undefined;
        try {
          const request = server ? input(`${server.url}/image.img`, disk, 'network') : input(image.slice(dir.length + 1), disk);
          const summary = await copyImage(request, ctx(), backends);
          assert.equal(summary.bytes, RAW.length);
        } finally {
          await server?.close();
        }
        const written = await readFile(disk);
        assert.ok(written.subarray(0, RAW.length).equals(expected));
        assert.ok(written.subarray(RAW.length).every((b) => b === STALE), 'past the virtual disk nothing changes');
        const size = readFileSync(image).length;
        assert.deepEqual(events.at(-1), { type: 'copy.progress', position: size, total: size, progress: 100 });
      });
    }
  }

  it('reads a local qcow2 in order when img_checksum is given, and checks it', async () => {
    const image = qcow2From(join(dir, 'disk.raw'), join(dir, 'summed.qcow2'), [], true);
    const sum = createHash('sha256').update(readFileSync(image)).digest('hex');
    const disk = await staleDisk('summed.disk');
    await copyImage({ ...input('summed.qcow2', disk), checksum: `sha256:${sum}` }, ctx(), backends);
    assert.ok((await readFile(disk)).subarray(0, RAW.length).equals(RAW));
    await assert.rejects(copyImage({ ...input('summed.qcow2', await staleDisk('summed-bad.disk')), checksum: `sha256:${'0'.repeat(64)}` }, ctx(), backends), ChecksumMismatch);
  });

  it('keeps the clusters that came before their L2 table in a spill file, and removes it', async () => {
    const image = readFileSync(reorderedQcow2(join(dir, 'disk.raw'), join(dir, 'spilled.qcow2')));
    const header = parseQcow2Header('spilled.qcow2', image.subarray(0, 65536));
    const guest = Buffer.alloc(header.virtualSize);
    const spill = new SpillFile();
    try {
      const decoder = new Qcow2StreamDecoder('spilled.qcow2', header, { put: async (data, at) => void guest.set(data, at) }, spill);
      for (let at = 0; at < image.length; at += MiB) await decoder.consume(image.subarray(at, Math.min(image.length, at + MiB)));
      await decoder.finish();
      assert.ok(spill.bytes >= 64 * 1024, `spilled ${spill.bytes} bytes`);
    } finally {
      await spill.close();
    }
    assert.ok(guest.equals(qemuRaw(join(dir, 'spilled.qcow2'), join(dir, 'spilled.raw'))));
  });

  it('streams a qcow2 over HTTP onto a loop device', async () => {
    const image = readFileSync(qcow2From(join(dir, 'disk.raw'), join(dir, 'served.qcow2'), [], true));
    const server: ImageServer = await startImageServer(image);
    const backing = await staleDisk('loop.disk');
    const device = attachLoop(backing);
    try {
      await copyImage(input(`${server.url}/image.img`, device, 'network'), ctx(), backends);
      assert.equal(processHasOpen(device), false);
    } finally {
      detachLoop(device);
      await server.close();
    }
    const written = await readFile(backing);
    assert.ok(written.subarray(0, RAW.length).equals(RAW));
    assert.ok(written.subarray(RAW.length).every((b) => b === STALE));
  });

  it('fails, naming the image, when the download of a qcow2 stops halfway', async () => {
    const image = readFileSync(qcow2From(join(dir, 'disk.raw'), join(dir, 'cut.qcow2')));
    const server = await startImageServer(image);
    try {
      const disk = await staleDisk('cut.disk');
      await assert.rejects(copyImage(input(`${server.url}/short.img`, disk, 'network'), ctx(), backends), (error: Error) => {
        assert.match(error.message, /127\.0\.0\.1.*short\.img|after \d+ of \d+ bytes/);
        return true;
      });
    } finally {
      await server.close();
    }
  });

  it('refuses a qcow2 with a backing file, naming it', async () => {
    const base = qcow2From(join(dir, 'disk.raw'), join(dir, 'base.qcow2'));
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', base, '-F', 'qcow2', join(dir, 'overlay.qcow2')]);
    const disk = await staleDisk('backing.disk');
    await assert.rejects(copyImage(input('overlay.qcow2', disk), ctx(), backends), (error: Error) => {
      assert.ok(error instanceof Qcow2Refused);
      assert.match(error.message, /"overlay\.qcow2" is a qcow2 with a backing file \(".*base\.qcow2"\): an image must never make the host read another file/);
      return true;
    });
    assert.ok((await readFile(disk)).every((b) => b === STALE), 'nothing written');
  });

  it('refuses a qcow2 whose data lives in an external data file', async () => {
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-o', `data_file=${join(dir, 'data.raw')}`, join(dir, 'external.qcow2'), '8M']);
    await assert.rejects(copyImage(input('external.qcow2', await staleDisk('external.disk')), ctx(), backends), (error: Error) => {
      return error instanceof Qcow2Refused && /external data file/.test(error.message);
    });
  });

  it('refuses an encrypted qcow2', async () => {
    // qcow2's own AES (crypt_method 1): LUKS (2) takes seconds to create here and is refused by the same header field.
    execFileSync('qemu-img', ['create', '-q', '--object', 'secret,id=key,data=password', '-f', 'qcow2', '-o', 'encrypt.format=aes,encrypt.key-secret=key', join(dir, 'encrypted.qcow2'), '8M']);
    await assert.rejects(copyImage(input('encrypted.qcow2', await staleDisk('encrypted.disk')), ctx(), backends), (error: Error) => {
      return error instanceof Qcow2Refused && /encrypted/.test(error.message);
    });
  });

  it('says zstd-compressed clusters are not supported and how to convert them', async () => {
    qcow2From(join(dir, 'disk.raw'), join(dir, 'zstd.qcow2'), ['compression_type=zstd'], true);
    await assert.rejects(copyImage(input('zstd.qcow2', await staleDisk('zstd.disk')), ctx(), backends), (error: Error) => {
      return error instanceof Qcow2Unsupported && /zstd-compressed clusters.*compression_type=zlib/.test(error.message);
    });
  });

  it('refuses a qcow2 larger than the disk before writing anything', async () => {
    const image = qcow2From(join(dir, 'disk.raw'), join(dir, 'large.qcow2'));
    const disk = await staleDisk('too-small.disk', 4 * MiB);
    await assert.rejects(copyImage(input('large.qcow2', disk), ctx(), backends), (error: Error) => {
      assert.ok(error instanceof Qcow2LargerThanDisk);
      assert.match(error.message, new RegExp(`"large\\.qcow2" is a qcow2 of a ${RAW.length}-byte disk, larger than disk .*too-small\\.disk \\(${4 * MiB} bytes\\)`));
      return true;
    });
    assert.ok(image && (await readFile(disk)).every((b) => b === STALE));
  });

  it('names a corrupt header: a cluster size qcow2 does not allow', async () => {
    const image = readFileSync(qcow2From(join(dir, 'disk.raw'), join(dir, 'bad-bits.qcow2')));
    image.writeUInt32BE(30, 20);
    writeFileSync(join(dir, 'bad-bits.qcow2'), image);
    await assert.rejects(copyImage(input('bad-bits.qcow2', await staleDisk('bad-bits.disk')), ctx(), backends), (error: Error) => {
      return error instanceof CorruptQcow2 && /"bad-bits\.qcow2" is not a valid qcow2: its cluster size is 2\^30/.test(error.message);
    });
  });

  it('names a corrupt table: an L2 entry pointing into the header', async () => {
    const image = readFileSync(qcow2From(join(dir, 'disk.raw'), join(dir, 'bad-l2.qcow2')));
    const header = parseQcow2Header('bad-l2.qcow2', image);
    const l2 = Number(image.readBigUInt64BE(header.l1Offset) & 0x00fffffffffffe00n);
    image.writeBigUInt64BE(1n << 63n | 512n, l2);
    writeFileSync(join(dir, 'bad-l2.qcow2'), image);
    await assert.rejects(copyImage(input('bad-l2.qcow2', await staleDisk('bad-l2.disk')), ctx(), backends), (error: Error) => {
      return error instanceof CorruptQcow2 && /data cluster at offset 512 is not on a cluster boundary/.test(error.message);
    });
  });

  it('names a truncated qcow2: a table past the end of the file', async () => {
    const path = qcow2From(join(dir, 'disk.raw'), join(dir, 'truncated.qcow2'));
    await truncate(path, 3 * 65536);
    await assert.rejects(copyImage(input('truncated.qcow2', await staleDisk('truncated.disk')), ctx(), backends), (error: Error) => {
      return error instanceof CorruptQcow2 && /past the end of the image at 196608 bytes/.test(error.message);
    });
  });

  it('names a local qcow2 cut inside its data clusters, and writes nothing past the zeroing', async () => {
    const path = qcow2From(join(dir, 'disk.raw'), join(dir, 'cut-data.qcow2'));
    const size = readFileSync(path).length;
    await truncate(path, size - 65536);
    await assert.rejects(copyImage(input('cut-data.qcow2', await staleDisk('cut-data.disk')), ctx(), backends), (error: Error) => {
      return error instanceof CorruptQcow2 && new RegExp(`a data cluster lies at offset \\d+, past the end of the image at ${size - 65536} bytes`).test(error.message);
    });
  });

  it('stops a local qcow2 copy when aborted, with the disk closed', async () => {
    const image = qcow2From(join(dir, 'disk.raw'), join(dir, 'aborted.qcow2'));
    const disk = await staleDisk('aborted.disk');
    const controller = new AbortController();
    const emit = (event: EffectEvent) => {
      if ((event.position as number) > 0) controller.abort();
    };
    await assert.rejects(copyImage(input(image.slice(dir.length + 1), disk), { signal: controller.signal, emit }, backends), AbortedError);
    assert.equal(processHasOpen(disk), false);
  });

  it('says a file that is not a qcow2 is not one', async () => {
    await assert.rejects(copyImage(input('disk.raw', await staleDisk('not.disk')), ctx(), backends), (error: Error) => {
      return error instanceof CorruptQcow2 && /does not start with the qcow2 magic/.test(error.message);
    });
  });
});
