import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { debianGuestImage } from '../../scripts/fixtures/debian-guest-image.ts';
import { readTraceFile } from '../../src/effects/trace.ts';
import { ensureHelperImage } from '../../src/helper-image/build.ts';
import { createLogger } from '../../src/log.ts';
import { runConcurrentCreates, traceFiles, type CreateMeasurement } from './support/concurrent-creates.ts';
import { leftoversAfter } from './support/leftovers.ts';

interface HelperMessage {
  readonly type: string;
  readonly subtype?: string;
  readonly task?: string;
  readonly messages?: readonly string[];
}

/** The tasks a helper said it skipped ("Task X was excluded and will not run."): each create of the batch skips another. */
function excludedTasks(messages: readonly HelperMessage[]): string[] {
  return messages.flatMap((m) => (m.subtype === 'warning' ? m.messages ?? [] : [])).flatMap((text) => /Task (\w+) was excluded/.exec(text)?.[1] ?? []);
}

/**
 * Four creates at once on one node, each on its own disk, through the real
 * helper VM: all succeed, and nothing of one reaches another. They share a
 * TRACE_DIR and a PROGRESS_MONITOR program; each create's helper is told to
 * skip another task, so a message that went to the wrong stream shows.
 * Their time and memory are the concurrent benchmark's (bench/concurrent.ts).
 */
describe('four creates at once on one node', { skip: process.getuid?.() !== 0 ? 'needs root, as create runs' : false, timeout: 30 * 60_000 }, () => {
  let dir: string;
  let runs: CreateMeasurement[];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'create-concurrent-'));
    const helperDir = await ensureHelperImage({ log: createLogger('warn') });
    runs = await runConcurrentCreates({ dir: join(dir, 'batch'), image: await debianGuestImage(), helperDir, count: 4 });
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('all succeed', () => {
    for (const run of runs) assert.equal(run.exit.code, 0, `${run.instance}:\n${run.exit.stderr.slice(-3000)}`);
  });

  it('each writes a trace of its own, naming its instance, with only its own helper', async () => {
    const traces = await traceFiles(join(dir, 'batch'));
    assert.equal(traces.length, runs.length, 'one trace per create');
    for (const run of runs) {
      const mine = traces.filter((path) => basename(path).startsWith(`${run.instance}-`));
      assert.equal(mine.length, 1, `one trace names ${run.instance}`);
      const events = readTraceFile(mine[0]!);
      const validated = events.find((e) => e.kind === 'effect.result' && e.effect === 'validate');
      assert.equal((validated as { outcome: { output: { instance: string } } }).outcome.output.instance, run.instance);
      const disks = events.flatMap((e) => (e.kind === 'effect.call' && e.effect === 'runHelper' ? [(e.input as { target: string }).target] : []));
      assert.deepEqual(disks, [run.disk], 'its helper wrote its disk');
      const helperMessages = events.flatMap((e) => (e.kind === 'effect.event' && e.event.type === 'helper.monitor' ? [e.event.message as HelperMessage] : []));
      assert.deepEqual(excludedTasks(helperMessages), [run.excludedTask], `${run.instance}'s trace has its own helper's messages only`);
    }
  });

  it('each monitor stream carries only its own messages, from start to success', async () => {
    for (const run of runs) {
      const messages = (await readFile(run.monitorFile, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as HelperMessage);
      const infos = messages.filter((m) => m.type === 'image-info').map((m) => m.messages![0]);
      assert.equal(infos.filter((m) => m === 'Starting image copy...').length, 1, `${run.instance}: one copy`);
      assert.equal(infos.at(-1), 'Image customization finished successfully.');
      const started = messages.filter((m) => m.subtype === 'task-start').map((m) => m.task);
      assert.equal(new Set(started).size, started.length, `${run.instance}: each task once`);
      assert.deepEqual(excludedTasks(messages), [run.excludedTask], `${run.instance}'s stream has its own helper's messages only`);
    }
  });

  it('leaves nothing behind', async () => {
    for (const run of runs) assert.deepEqual(await leftoversAfter({ runDir: join(dir, 'batch'), disk: run.disk, tmpdir: join(dir, 'batch', 'tmp') }), []);
  });
});
