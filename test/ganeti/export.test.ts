import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { runExport } from '../../src/ganeti/export.ts';
import { capturedLog } from '../support/captured-log.ts';
import { withLoopDevice } from './support/loop-device.ts';

function collect(): { output: PassThrough; data: () => Buffer } {
  const output = new PassThrough();
  const chunks: Buffer[] = [];
  output.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { output, data: () => Buffer.concat(chunks) };
}

describe('snf-image export', () => {
  let dir: string;
  let disk: string;
  let content: Buffer;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'export-'));
    disk = join(dir, 'disk0');
    content = randomBytes(5 * 1024 * 1024 + 123);
    await writeFile(disk, content);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a file disk, whole, to the output and nothing else', async () => {
    const { output, data } = collect();
    const { log, messages } = capturedLog();
    assert.equal(await runExport({ EXPORT_DEVICE: disk }, { output, log }), 0);
    assert.ok(data().equals(content));
    assert.deepEqual(messages(), [`info: exporting ${disk} (${content.length} bytes)`, `info: exported ${content.length} bytes`]);
  });

  it('writes the disk size to EXP_SIZE_FD', async () => {
    const sizeFile = join(dir, 'size');
    const fd = openSync(sizeFile, 'w');
    const { output } = collect();
    assert.equal(await runExport({ EXPORT_DEVICE: disk, EXP_SIZE_FD: String(fd) }, { output, log: capturedLog().log }), 0);
    assert.equal(await readFile(sizeFile, 'utf8'), `${content.length}\n`);
    assert.throws(() => closeSync(fd), { code: 'EBADF' }, 'the descriptor was closed, so Ganeti sees its end');
  });

  it('goes on with a warning when EXP_SIZE_FD is not usable', async () => {
    const { output, data } = collect();
    const { log, messages } = capturedLog();
    assert.equal(await runExport({ EXPORT_DEVICE: disk, EXP_SIZE_FD: '999' }, { output, log }), 0);
    assert.ok(data().equals(content));
    assert.match(messages().join('\n'), /warn: cannot write the disk size to EXP_SIZE_FD=999/);
  });

  it('exports a block device', async (t) => {
    const { output, data } = collect();
    const padded = join(dir, 'block-backing');
    const blockContent = Buffer.concat([content, Buffer.alloc(512 - (content.length % 512))]);
    await writeFile(padded, blockContent);
    const done = await withLoopDevice(padded, async (device) => runExport({ EXPORT_DEVICE: device }, { output, log: capturedLog().log }));
    if (done === undefined) return t.skip('no loop devices here');
    assert.equal(done, 0);
    assert.ok(data().equals(blockContent));
  });

  it('fails with the byte count when the reader goes away', async () => {
    const closing = new Writable({
      write(_chunk, _encoding, done) {
        done(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      },
    });
    const { log, messages } = capturedLog();
    assert.equal(await runExport({ EXPORT_DEVICE: disk }, { output: closing, log }), 1);
    assert.match(messages().at(-1) ?? '', /^error: the export of .* stopped after \d+ of \d+ bytes: the reader of stdout went away$/);
  });

  it('fails clearly without EXPORT_DEVICE, or with a disk that is not there', async () => {
    const { log, messages } = capturedLog();
    assert.equal(await runExport({}, { output: collect().output, log }), 1);
    assert.equal(await runExport({ EXPORT_DEVICE: join(dir, 'missing') }, { output: collect().output, log }), 1);
    assert.equal(await runExport({ EXPORT_DEVICE: dir }, { output: collect().output, log }), 1);
    const [missing, vanished, directory] = messages();
    assert.match(missing ?? '', /^error: EXPORT_DEVICE is not set/);
    assert.match(vanished ?? '', /^error: EXPORT_DEVICE=.*missing cannot be used \(ENOENT/);
    assert.match(directory ?? '', /is neither a block device nor a regular file/);
  });
});
