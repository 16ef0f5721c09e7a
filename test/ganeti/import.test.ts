import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { runImport } from '../../src/ganeti/import.ts';
import type { InputFiles } from '../../src/host/inputs/input-files.ts';
import type { ResizeDisk } from '../../src/ganeti/import.ts';
import { capturedLog } from '../support/captured-log.ts';
import { withLoopDevice } from './support/loop-device.ts';

const MiB = 1024 * 1024;

/** A stream of the data in uneven chunks, as a pipe delivers it. */
function streamOf(data: Buffer, chunk = 65_536 + 17): Readable {
  const parts: Buffer[] = [];
  for (let at = 0; at < data.length; at += chunk) parts.push(data.subarray(at, at + chunk));
  return Readable.from(parts);
}

/** Configuration files from a map; VARIANTS_DIR is /etc/ganeti/snf-image/variants by default. */
function filesOf(texts: Record<string, string>): InputFiles {
  return {
    readText: async (path) => texts[path],
    kind: async (path) => (path === '/etc/ganeti/snf-image/variants' ? 'directory' : path in texts ? 'file' : 'missing'),
  };
}

const NO_CONFIG = filesOf({});

/** A resize that must not happen. */
const noResize: ResizeDisk = async () => assert.fail('no resize was asked for');

describe('snf-image import', () => {
  let dir: string;
  const disk = () => join(dir, `disk-${Math.random().toString(36).slice(2)}`);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'import-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the stream from the start of a larger file disk, keeping its size and the rest of it', async () => {
    const target = disk();
    const before = Buffer.alloc(8 * MiB, 0xa5);
    await writeFile(target, before);
    const data = randomBytes(3 * MiB + 5);
    const { log, messages } = capturedLog();
    assert.equal(await runImport({ IMPORT_DEVICE: target }, { input: streamOf(data), log, files: NO_CONFIG, resize: noResize }), 0);
    const after = await readFile(target);
    assert.equal(after.length, before.length, 'never truncated');
    assert.ok(after.subarray(0, data.length).equals(data));
    assert.ok(after.subarray(data.length).equals(before.subarray(data.length)));
    assert.deepEqual(messages().slice(-2), [
      `info: imported ${data.length} bytes; the disk's last ${before.length - data.length} bytes were left as they were`,
      'info: the disk is larger than the export; set IMPORT_RESIZE=yes in the configuration to grow its partition and filesystem on import',
    ]);
  });

  it('fills a disk of exactly the stream\'s size', async () => {
    const target = disk();
    await writeFile(target, Buffer.alloc(2 * MiB));
    const data = randomBytes(2 * MiB);
    const { log, messages } = capturedLog();
    assert.equal(await runImport({ IMPORT_DEVICE: target }, { input: streamOf(data), log, files: NO_CONFIG, resize: noResize }), 0);
    assert.ok((await readFile(target)).equals(data));
    assert.equal(messages().at(-1), `info: imported ${data.length} bytes, the whole disk`);
  });

  it('imports onto a block device', async (t) => {
    const backing = disk();
    await writeFile(backing, Buffer.alloc(4 * MiB));
    const data = randomBytes(MiB + 512);
    const rc = await withLoopDevice(backing, (device) => runImport({ IMPORT_DEVICE: device }, { input: streamOf(data), log: capturedLog().log, files: NO_CONFIG, resize: noResize }));
    if (rc === undefined) return t.skip('no loop devices here');
    assert.equal(rc, 0);
    assert.ok((await readFile(backing)).subarray(0, data.length).equals(data));
  });

  it('fails on an empty stream and leaves the disk alone', async () => {
    const target = disk();
    await writeFile(target, Buffer.alloc(MiB, 1));
    const { log, messages } = capturedLog();
    assert.equal(await runImport({ IMPORT_DEVICE: target }, { input: Readable.from([]), log }), 1);
    assert.match(messages().at(-1) ?? '', /^error: the import stream for .* was empty: no data arrived on stdin, the disk was not changed$/);
    assert.ok((await readFile(target)).equals(Buffer.alloc(MiB, 1)));
  });

  it('fails when stdin breaks, saying how much was written', async () => {
    const target = disk();
    await writeFile(target, Buffer.alloc(4 * MiB));
    async function* breaking() {
      yield randomBytes(MiB);
      throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    }
    const { log, messages } = capturedLog();
    assert.equal(await runImport({ IMPORT_DEVICE: target }, { input: Readable.from(breaking()), log }), 1);
    assert.match(messages().at(-1) ?? '', new RegExp(`^error: the import onto .* failed after ${MiB} bytes: read ECONNRESET$`));
  });

  it('refuses more data than the disk holds, without growing a file disk', async () => {
    const target = disk();
    await writeFile(target, Buffer.alloc(MiB));
    const { log, messages } = capturedLog();
    assert.equal(await runImport({ IMPORT_DEVICE: target }, { input: streamOf(randomBytes(MiB + 1)), log }), 1);
    assert.match(messages().at(-1) ?? '', /holds more than the 1048576 bytes of .*: the disk is smaller than the exported one/);
    assert.equal((await stat(target)).size, MiB);
  });

  it('fails clearly without IMPORT_DEVICE', async () => {
    const { log, messages } = capturedLog();
    assert.equal(await runImport({}, { input: Readable.from([]), log }), 1);
    assert.match(messages()[0] ?? '', /^error: IMPORT_DEVICE is not set: Ganeti sets it/);
  });

  describe('onto a larger disk with IMPORT_RESIZE=yes', () => {
    const importEnv = (target: string, extra: Record<string, string> = {}) => ({
      IMPORT_DEVICE: target,
      IMPORT_INDEX: '0',
      OS_API_VERSION: '20',
      OS_VARIANT: 'default',
      INSTANCE_NAME: 'copy.example',
      HYPERVISOR: 'kvm',
      DISK_COUNT: '2',
      DISK_0_PATH: target,
      DISK_0_SIZE: '8',
      DISK_1_PATH: '/dev/vg/other',
      DISK_1_SIZE: '8',
      OSP_IMG_ID: 'debian-12.diskdump',
      OSP_IMG_FORMAT: 'diskdump',
      OSP_IMG_PASSWD: 's3cr3t',
      OSP_IMG_PROPERTIES: '{"OSFAMILY":"linux","ROOT_PARTITION":"1"}',
      OSP_INST_PROPERTIES: '{"exclude_mounted_tasks":"no","SWAP":"2:512"}',
      ...extra,
    });
    const largerDisk = async () => {
      const target = disk();
      await writeFile(target, Buffer.alloc(8 * MiB));
      return target;
    };
    const asked = filesOf({ '/etc/snf-image/snf-image.conf': 'IMPORT_RESIZE=yes\n', '/etc/ganeti/snf-image/variants/default.conf': '' });

    it('grows disk 0 with create\'s disk-layout tasks only, the null source, and none of the guest parameters', async () => {
      const target = await largerDisk();
      const calls: Record<string, string | undefined>[] = [];
      const resize: ResizeDisk = async (env) => (calls.push(env), { ok: true });
      const { log, messages } = capturedLog();
      assert.equal(await runImport(importEnv(target), { input: streamOf(randomBytes(MiB)), log, files: asked, resize }), 0);
      assert.equal(calls.length, 1);
      const env = calls[0]!;
      assert.equal(env.OSP_IMG_ID, 'null');
      assert.equal(env.OSP_IMG_FORMAT, 'diskdump');
      assert.equal(env.OSP_CONFIG_URL, '');
      assert.equal(env.OSP_IMG_PASSWD, undefined, 'the password is not applied again');
      assert.equal(env.OSP_IMG_PROPERTIES, '{"OSFAMILY":"linux","ROOT_PARTITION":"1"}');
      assert.deepEqual(JSON.parse(env.OSP_INST_PROPERTIES ?? ''), { SWAP: '2:512', EXCLUDE_MOUNTED_TASKS: 'yes' });
      assert.equal(env.DISK_COUNT, '1');
      assert.equal(env.DISK_0_PATH, target);
      assert.equal(env.DISK_1_PATH, undefined, 'the other disks, maybe still importing, stay out of the helper');
      assert.equal(env.INSTANCE_NAME, 'copy.example');
      assert.equal(messages().at(-1), `info: grew the partition and filesystem of ${target}`);
    });

    it('reads IMPORT_RESIZE from the variant file too', async () => {
      const target = await largerDisk();
      let called = false;
      const files = filesOf({ '/etc/ganeti/snf-image/variants/default.conf': 'IMPORT_RESIZE=yes\n' });
      const rc = await runImport(importEnv(target), { input: streamOf(randomBytes(MiB)), log: capturedLog().log, files, resize: async () => ((called = true), { ok: true }) });
      assert.equal(rc, 0);
      assert.ok(called);
    });

    it('fails, saying the data is there but not grown, when the helper fails', async () => {
      const target = await largerDisk();
      const { log, messages } = capturedLog();
      const rc = await runImport(importEnv(target), { input: streamOf(randomBytes(MiB)), log, files: asked, resize: async () => ({ ok: false, message: 'no root partition found' }) });
      assert.equal(rc, 1);
      assert.match(messages().at(-1) ?? '', /^error: .* holds the imported data, but growing its partition and filesystem failed: no root partition found\./);
    });

    it('leaves a disk of the exported size, and disks other than 0, alone', async () => {
      const exact = disk();
      await writeFile(exact, Buffer.alloc(MiB));
      assert.equal(await runImport(importEnv(exact), { input: streamOf(randomBytes(MiB)), log: capturedLog().log, files: asked, resize: noResize }), 0);
      const second = await largerDisk();
      const { log, messages } = capturedLog();
      assert.equal(await runImport(importEnv(second, { IMPORT_INDEX: '1' }), { input: streamOf(randomBytes(MiB)), log, files: asked, resize: noResize }), 0);
      assert.match(messages().at(-1) ?? '', /disk 1 is left at the exported size/);
    });
  });
});
