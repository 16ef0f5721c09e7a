import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { realClock, type Clock } from '../../src/effects/clock.ts';
import { openMonitorOutput, type MonitorOutputOptions } from '../../src/host/monitor-output.ts';
import { capturedLog } from '../support/captured-log.ts';

const RECORDER = fileURLToPath(new URL('../fixtures/record-monitor.sh', import.meta.url));
const HANGING = fileURLToPath(new URL('../fixtures/hanging-monitor.sh', import.meta.url));
const clock: Clock = { ...realClock, now: () => 1378914869310 };

function options(extra: Partial<MonitorOutputOptions> = {}) {
  const stdout = new PassThrough();
  let written = '';
  stdout.on('data', (chunk: Buffer) => (written += chunk.toString()));
  const { log, texts } = capturedLog();
  return { options: { instance: 'vm1.example.org', clock, stdout, log, ...extra }, written: () => written, logged: texts };
}

describe('monitor output', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'monitor-output-test-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes [MONITOR] JSON lines with a float epoch timestamp to stdout without PROGRESS_MONITOR', async () => {
    const run = options();
    const output = openMonitorOutput(run.options);
    output.send({ type: 'image-info', messages: ['Starting customization VM...'] });
    output.send({ type: 'image-copy-progress', position: 335547996, total: 474398720, progress: 70.73 });
    await output.close();
    assert.equal(
      run.written(),
      '[MONITOR] {"type":"image-info","messages":["Starting customization VM..."],"timestamp":1378914869.31}\n' +
        '[MONITOR] {"type":"image-copy-progress","position":335547996,"total":474398720,"progress":70.73,"timestamp":1378914869.31}\n',
    );
  });

  it('feeds PROGRESS_MONITOR on stdin, with its own arguments and the instance name last', async () => {
    const out = join(dir, 'recorded');
    const run = options({ progressMonitor: `${RECORDER} ${out}` });
    const output = openMonitorOutput(run.options);
    output.send({ type: 'image-helper', subtype: 'task-start', task: 'FixPartitionTable' });
    output.send({ type: 'image-error', messages: ['Image customization failed.'] });
    await output.close();
    assert.equal(
      await readFile(out, 'utf8'),
      'args: vm1.example.org\n' +
        '{"type":"image-helper","subtype":"task-start","task":"FixPartitionTable","timestamp":1378914869.31}\n' +
        '{"type":"image-error","messages":["Image customization failed."],"timestamp":1378914869.31}\n',
    );
    assert.equal(run.written(), '');
  });

  it('goes on without a monitor that dies, with one warning', async () => {
    const run = options({ progressMonitor: 'false' });
    const output = openMonitorOutput(run.options);
    await sleep(200);
    for (let i = 0; i < 1000; i++) output.send({ type: 'image-copy-progress', position: i, total: 1000, progress: i / 10 });
    await output.close();
    const warnings = run.logged().filter((msg) => msg.startsWith('progress monitor'));
    assert.deepEqual(warnings, ['progress monitor exited (code 1) before the deployment ended; the deployment goes on without it']);
  });

  it('goes on when the monitor cannot be started', async () => {
    const run = options({ progressMonitor: join(dir, 'no-such-monitor') });
    const output = openMonitorOutput(run.options);
    output.send({ type: 'image-info', messages: ['x'] });
    await output.close();
    assert.ok(run.logged().some((msg) => /^progress monitor could not run: .*ENOENT/.test(msg)));
  });

  it('kills a monitor that does not finish after its input ends', async () => {
    const run = options({ progressMonitor: HANGING, closeTimeoutMs: 200 });
    const output = openMonitorOutput(run.options);
    const started = Date.now();
    await output.close();
    assert.ok(Date.now() - started < 3000);
    assert.ok(run.logged().includes('progress monitor did not finish after its input ended; killing it'));
  });
});
