import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { runImport } from '../../src/ganeti/import.ts';
import { capturedLog } from './support/captured-log.ts';
import { withLoopDevice } from './support/loop-device.ts';

const MiB = 1024 * 1024;

/** A stream of the data in uneven chunks, as a pipe delivers it. */
function streamOf(data: Buffer, chunk = 65_536 + 17): Readable {
  const parts: Buffer[] = [];
  for (let at = 0; at < data.length; at += chunk) parts.push(data.subarray(at, at + chunk));
  return Readable.from(parts);
}

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
    assert.equal(await runImport({ IMPORT_DEVICE: target }, { input: streamOf(data), log }), 0);
    const after = await readFile(target);
    assert.equal(after.length, before.length, 'never truncated');
    assert.ok(after.subarray(0, data.length).equals(data));
    assert.ok(after.subarray(data.length).equals(before.subarray(data.length)));
    assert.equal(messages().at(-1), `info: imported ${data.length} bytes; the disk's last ${before.length - data.length} bytes were left as they were`);
  });

  it('fills a disk of exactly the stream\'s size', async () => {
    const target = disk();
    await writeFile(target, Buffer.alloc(2 * MiB));
    const data = randomBytes(2 * MiB);
    const { log, messages } = capturedLog();
    assert.equal(await runImport({ IMPORT_DEVICE: target }, { input: streamOf(data), log }), 0);
    assert.ok((await readFile(target)).equals(data));
    assert.equal(messages().at(-1), `info: imported ${data.length} bytes, the whole disk`);
  });

  it('imports onto a block device', async (t) => {
    const backing = disk();
    await writeFile(backing, Buffer.alloc(4 * MiB));
    const data = randomBytes(MiB + 512);
    const rc = await withLoopDevice(backing, (device) => runImport({ IMPORT_DEVICE: device }, { input: streamOf(data), log: capturedLog().log }));
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
});
