import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { AbortedError, type EffectEvent } from '../../../src/effects/effect.ts';
import type { TraceEvent } from '../../../src/effects/trace.ts';
import { createRunHelper, HelperLaunchFailed, readResult, signalHelper } from '../../../src/host/helper-vm/helper-vm.ts';
import { capturedLog } from '../../support/captured-log.ts';

const STAND_IN = fileURLToPath(new URL('../../fixtures/stand-in-helper.sh', import.meta.url));

/** Processes of a group that still run; a killed one may linger as a zombie until something reaps it. */
async function runningInGroup(pgid: number): Promise<number[]> {
  const running: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    const [state, , group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(group) === pgid && state !== 'Z') running.push(Number(name));
  }
  return running;
}

/** SIGKILL is delivered asynchronously: give the group a moment to go. */
async function groupAlive(pgid: number): Promise<boolean> {
  for (let tries = 0; tries < 20; tries++) {
    if ((await runningInGroup(pgid)).length === 0) return false;
    await sleep(50);
  }
  return true;
}

/** Runs the stand-in helper; `started` resolves with its pid as soon as it runs. */
function runStandIn(args: string[], signal = new AbortController().signal) {
  const { log, messages } = capturedLog();
  const events: EffectEvent[] = [];
  const traced: TraceEvent[] = [];
  let started!: (pid: number) => void;
  const pid = new Promise<number>((resolve) => (started = resolve));
  const emit = (event: EffectEvent) => {
    events.push(event);
    if (event.type === 'helper.started') started(event.pid as number);
  };
  const exit = createRunHelper({ log, onTrace: (event) => traced.push(event) })({ command: STAND_IN, args }, { signal, emit });
  return { exit, pid, events, traced, messages };
}

describe('helper VM process', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'helper-vm-test-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reports the monitor messages, logs the console and reads SUCCESS from the result channel', async () => {
    const result = join(dir, 'success');
    const run = runStandIn(['success', result]);
    assert.deepEqual(await run.exit, { exitCode: 0, signal: null });
    const pid = await run.pid;
    assert.deepEqual(run.events, [
      { type: 'helper.started', pid },
      { type: 'helper.alive' },
      { type: 'helper.monitor', message: { type: 'image-helper', subtype: 'task-start', task: 'FixPartitionTable' } },
      { type: 'helper.monitor', message: { type: 'image-helper', subtype: 'warning', messages: [' disk is small'] } },
      { type: 'helper.monitor', message: { type: 'image-helper', subtype: 'task-end', task: 'FixPartitionTable' } },
      { type: 'helper.monitor', message: { type: 'image-helper', subtype: 'error', stderr: 'first\nsecond\n' } },
    ]);
    const console = run.messages();
    assert.ok(console.includes('info: HELPER: Linux version 6.1.0 (stand-in)'));
    assert.ok(console.includes('info: HELPER: helper: all tasks done'));
    assert.deepEqual(await readResult({ path: result }, { signal: new AbortController().signal, emit: () => {} }), { firstLine: 'SUCCESS' });
    assert.equal(await groupAlive(pid), false);
  });

  it('hands on the trace channel\'s events, the last one without its newline, and logs and drops lines that are not events', async () => {
    const run = runStandIn(['success', join(dir, 'traced')]);
    await run.exit;
    assert.deepEqual(run.traced, [
      { kind: 'log', seq: 0, at: 1, level: 'info', msg: 'first' },
      { kind: 'log', seq: 1, at: 2, level: 'info', msg: 'second' },
    ]);
    const warnings = run.messages().filter((message) => message.startsWith('warn: '));
    assert.equal(warnings.length, 2, warnings.join('\n'));
    assert.match(warnings[0]!, /not JSON/);
    assert.match(warnings[1]!, /not a trace event/);
  });

  it('decodes a JSON-framed error that spans lines', async () => {
    const result = join(dir, 'error');
    const run = runStandIn(['error', result]);
    await run.exit;
    assert.deepEqual(run.events[2], { type: 'helper.monitor', message: { type: 'image-helper', subtype: 'error', messages: ['two\nlines'] } });
    assert.deepEqual(await readResult({ path: result }, { signal: new AbortController().signal, emit: () => {} }), { firstLine: 'ERROR: mount failed' });
  });

  it('stops listening to a helper that breaks the monitor protocol, and still waits for it', async () => {
    const run = runStandIn(['bad-monitor', join(dir, 'bad-monitor')]);
    assert.deepEqual(await run.exit, { exitCode: 0, signal: null });
    const types = run.events.map((event) => event.type);
    assert.deepEqual(types, ['helper.started', 'helper.alive', 'helper.monitorFailed']);
    assert.match(String((run.events[2]!.error as { message: string }).message), /unknown command: "HELLO:world"/);
  });

  it('reports a KVM internal error at once, and does not take qemu\'s own message for a sign of life', async () => {
    const run = runStandIn(['kvm-internal-error']);
    const pid = await run.pid;
    for (let tries = 0; tries < 40 && run.events.length < 2; tries++) await sleep(50);
    assert.deepEqual(run.events, [{ type: 'helper.started', pid }, { type: 'helper.acceleratorFailed', line: 'KVM internal error. Suberror: 1' }]);
    await signalHelper({ pid, signal: 'SIGKILL' }, { signal: new AbortController().signal, emit: () => {} });
    await run.exit;
  });

  it('dies with the process that started it, even one killed with SIGKILL', async () => {
    const parent = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../../fixtures/run-helper-until-killed.ts', import.meta.url)), STAND_IN, 'hang'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const pid = await new Promise<number>((resolve) => parent.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))));
    assert.equal(await groupAlive(pid), true, 'the helper runs');
    parent.kill('SIGKILL');
    assert.equal(await groupAlive(pid), false, 'the helper went with its parent');
  });

  it('gives the exit code of a helper that fails', async () => {
    const run = runStandIn(['exit', '3']);
    assert.deepEqual(await run.exit, { exitCode: 3, signal: null });
  });

  it('gives the signal of a helper that crashes', async () => {
    const run = runStandIn(['crash']);
    assert.deepEqual(await run.exit, { exitCode: null, signal: 'SIGSEGV' });
  });

  it('ends a hanging helper and its children with SIGTERM to the group', async () => {
    const run = runStandIn(['hang']);
    const pid = await run.pid;
    await sleep(100);
    await signalHelper({ pid, signal: 'SIGTERM' }, { signal: new AbortController().signal, emit: () => {} });
    assert.deepEqual(await run.exit, { exitCode: null, signal: 'SIGTERM' });
    assert.equal(await groupAlive(pid), false);
  });

  it('kills a helper that ignores SIGTERM with SIGKILL', async () => {
    const run = runStandIn(['ignore-term']);
    const pid = await run.pid;
    await sleep(100);
    const ctx = { signal: new AbortController().signal, emit: () => {} };
    await signalHelper({ pid, signal: 'SIGTERM' }, ctx);
    const stillRunning = await Promise.race([run.exit.then(() => false), sleep(300).then(() => true)]);
    assert.equal(stillRunning, true);
    await signalHelper({ pid, signal: 'SIGKILL' }, ctx);
    assert.deepEqual(await run.exit, { exitCode: null, signal: 'SIGKILL' });
    assert.equal(await groupAlive(pid), false);
  });

  it('kills what the helper left running when it exits', async () => {
    const run = runStandIn(['leave-child']);
    assert.deepEqual(await run.exit, { exitCode: 0, signal: null });
    assert.equal(await groupAlive(await run.pid), false);
  });

  it('kills the whole group and rejects when aborted', async () => {
    const abort = new AbortController();
    const run = runStandIn(['ignore-term'], abort.signal);
    const pid = await run.pid;
    abort.abort();
    await assert.rejects(run.exit, AbortedError);
    assert.equal(await groupAlive(pid), false);
  });

  it('does not start when already aborted', async () => {
    const abort = new AbortController();
    abort.abort();
    const run = runStandIn(['hang'], abort.signal);
    await assert.rejects(run.exit, AbortedError);
    assert.equal(run.events.length, 0);
  });

  it('says so when the helper program cannot start', async () => {
    const { log } = capturedLog();
    const run = createRunHelper({ log, onTrace: () => {} })({ command: join(dir, 'no-such-qemu'), args: [] }, { signal: new AbortController().signal, emit: () => {} });
    await assert.rejects(run, (error: Error) => {
      assert.ok(error instanceof HelperLaunchFailed);
      assert.equal(error.message, `cannot start the helper VM (${join(dir, 'no-such-qemu')}): it was not found: install qemu, or correct QEMU in the configuration file`);
      return true;
    });
  });

  it('signals a group that is already gone without error', async () => {
    const run = runStandIn(['exit', '0']);
    await run.exit;
    await signalHelper({ pid: await run.pid, signal: 'SIGKILL' }, { signal: new AbortController().signal, emit: () => {} });
  });

  it('reads only the first line of the result, and an empty one as empty', async () => {
    const ctx = { signal: new AbortController().signal, emit: () => {} };
    await writeFile(join(dir, 'empty'), '');
    assert.deepEqual(await readResult({ path: join(dir, 'empty') }, ctx), { firstLine: '' });
    await writeFile(join(dir, 'two'), 'ERROR: a\r\nSUCCESS\n');
    assert.deepEqual(await readResult({ path: join(dir, 'two') }, ctx), { firstLine: 'ERROR: a' });
  });
});
