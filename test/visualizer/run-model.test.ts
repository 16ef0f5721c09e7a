import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { parseTrace, type TraceEvent } from '../../src/effects/trace.ts';
import { parseTraceText } from '../../visualizer/page/open-trace.ts';
import { findDivergence } from '../../visualizer/run/divergence.ts';
import { eventLabel } from '../../visualizer/run/event-label.ts';
import { runFromTrace } from '../../visualizer/run/from-trace.ts';
import { monitorReport } from '../../visualizer/run/helper-monitor.ts';
import { activePaths, leafPaths } from '../../visualizer/run/state-paths.ts';
import { injectFault } from '../../src/effects/faulty.ts';
import { startHelperRun, workingWorld } from '../helper/support/helper-world.ts';
import { recordHostRun } from './fixtures/host-runs.ts';
import { failingRun, passingRun } from './fixtures/sample-runs.ts';

const asText = (events: readonly TraceEvent[]) => events.map((e) => JSON.stringify(e)).join('\n') + '\n';

describe('state paths', () => {
  it('lists every active state, ancestors first, and the innermost ones', () => {
    assert.deepEqual(activePaths('idle'), ['idle']);
    const paths = activePaths({ deploying: { runningHelper: 'waiting' } });
    assert.deepEqual(paths, ['deploying', 'deploying.runningHelper', 'deploying.runningHelper.waiting']);
    assert.deepEqual(leafPaths(paths), ['deploying.runningHelper.waiting']);
    assert.deepEqual(leafPaths(activePaths({ p: { a: 'x', b: 'y' } })), ['p.a.x', 'p.b.y']);
  });
});

describe('run model', () => {
  it('reads a trace file written by a run and makes a step of each transition', async () => {
    const run = runFromTrace(parseTrace(asText(await passingRun())));
    assert.equal(run.machine, 'sample');
    assert.deepEqual(
      run.steps.filter((s) => s.event !== 'copy.progress' && s.event !== 'helper.monitor').map((s) => `${s.event} -> ${s.state}`),
      [
        'xstate.init -> preparing',
        'xstate.done.actor.0.sample.preparing -> copying.streaming',
        'xstate.done.actor.0.sample.copying.streaming -> copying.verifying',
        'xstate.after.250.sample.copying.verifying -> runningHelper',
        'xstate.done.actor.0.sample.runningHelper -> releasing',
        'xstate.done.actor.0.sample.releasing -> done',
      ],
    );
    assert.deepEqual(run.steps[1]?.paths, ['copying', 'copying.streaming']);
    assert.equal(run.steps.at(-1)?.status, 'done');
    assert.equal(run.failure, null);
    assert.ok(run.steps.every((s, i) => s.index === i && (i === 0 || s.at >= run.steps[i - 1]!.at)), 'steps are in time order');
  });

  it('puts effect calls on the timeline in order, with duration and outcome', async () => {
    const run = runFromTrace(await failingRun());
    assert.deepEqual(
      run.calls.map((c) => `${c.effect} ${c.outcome} ${c.durationMs} at ${c.startAt}`),
      ['fetchImage ok 1200 at 0', 'copyImage ok 20 at 1200', 'runHelper error 6000 at 1470', 'releaseResources ok 300 at 7470'],
    );
    const helper = run.calls[2]!;
    assert.deepEqual(helper.error, { name: 'HelperFailed', message: 'task MountImage failed: mount: /dev/vda1: wrong fs type' });
    assert.equal(run.steps[helper.stepIndex]?.state, 'runningHelper', 'a call belongs to the step that entered the invoking state');
    assert.equal(helper.eventCount, 6);
  });

  it('shows a failed effect as the cause of the failure, with its error', async () => {
    const run = runFromTrace(await failingRun());
    const failure = run.failure!;
    assert.equal(failure.state, 'failed');
    assert.equal(run.steps[failure.stepIndex]?.state, 'failed');
    assert.equal(run.steps[failure.causeStepIndex]?.event, 'xstate.error.actor.0.sample.runningHelper');
    assert.equal(failure.callId, run.calls[2]!.callId);
    assert.match(failure.error.message, /MountImage failed/);
  });

  it('nests the helper tasks under the effect that ran the helper VM', async () => {
    const run = runFromTrace(await recordHostRun({ failingTask: 'MountImage' }));
    const runHelper = run.calls.find((c) => c.effect === 'runHelper')!;
    assert.deepEqual(
      run.tasks.map((t) => `${t.name} ${t.status}`),
      ['FixPartitionTable done', 'FilesystemResizeUnmounted done', 'MountImage failed'],
    );
    assert.ok(run.tasks.every((t) => t.callId === runHelper.callId));
    assert.deepEqual(run.tasks[2]?.messages, ['error: mount: /dev/vda1: wrong fs type']);
    assert.ok(run.tasks.every((t) => t.startAt >= runHelper.startAt && (t.endAt ?? 0) <= runHelper.startAt + runHelper.durationMs!));
  });

  it('blames the failed helper task when the helper VM itself exited cleanly', async () => {
    const run = runFromTrace(await recordHostRun({ failingTask: 'MountImage' }));
    const failure = run.failure!;
    assert.equal(failure.state, 'failed');
    assert.deepEqual(failure.error, { name: 'HelperTaskFailed', message: 'MountImage: mount: /dev/vda1: wrong fs type' });
    const cause = run.steps[failure.causeStepIndex]!;
    assert.equal(cause.event, 'helper.monitor');
    assert.equal(cause.monitor, 'error');
    assert.equal(cause.state, 'deploying.runningHelper.waiting');
  });

  it('reads the tasks of a helper trace from the calls that ran them', () => {
    const events: TraceEvent[] = [
      { kind: 'run', machine: 'helper', startedAt: '2026-01-01T00:00:00.000Z', seq: 0, at: 0 },
      { kind: 'effect.call', callId: 0, effect: 'runTask', input: { task: 'FixPartitionTable' }, seq: 1, at: 0 },
      { kind: 'transition', machine: 'helper', event: { type: 'xstate.init' }, state: 'runningTask', status: 'active', seq: 2, at: 0 },
      { kind: 'effect.result', callId: 0, effect: 'runTask', durationMs: 10, outcome: { ok: true, output: null }, seq: 3, at: 10 },
      { kind: 'effect.call', callId: 1, effect: 'runTask', input: { task: 'MountImage' }, seq: 4, at: 10 },
      { kind: 'effect.result', callId: 1, effect: 'runTask', durationMs: 5, outcome: { ok: false, error: { name: 'TaskFailed', message: 'mount failed' } }, seq: 5, at: 15 },
    ];
    assert.deepEqual(
      runFromTrace(events).tasks.map((t) => [t.name, t.status, t.messages]),
      [
        ['FixPartitionTable', 'done', []],
        ['MountImage', 'failed', ['mount failed']],
      ],
    );
  });

  it('reads the tasks of a run of the helper machine, the failed one with its error', async () => {
    const world = workingWorld();
    const helper = startHelperRun(injectFault(world.effects, { effect: 'runTask', call: 2, fault: 'fail', message: 'mount: wrong fs type' }));
    await helper.finish();
    const run = runFromTrace(helper.trace);
    assert.equal(run.machine, 'helper');
    assert.deepEqual(run.tasks.map((t) => `${t.name} ${t.status}`), ['FixPartitionTable done', 'MountImage failed']);
    assert.deepEqual(run.tasks[1]?.messages, ['mount: wrong fs type']);
    assert.ok(run.steps.some((s) => s.state.startsWith('failing')));
  });

  it('builds the model of a trace of ten thousand events quickly', async () => {
    const events = await recordHostRun({ progressMessages: 5000 });
    assert.ok(events.length >= 10_000, `${events.length} events`);
    const started = performance.now();
    const run = runFromTrace(events);
    assert.ok(performance.now() - started < 1000, 'under a second');
    assert.equal(run.steps.length, events.filter((e) => e.kind === 'transition').length);
  });
});

describe('trace files opened in the page', () => {
  it('reads the events and names the first line that is not one', async () => {
    const events = await passingRun();
    assert.deepEqual(parseTraceText(asText(events)), events);
    assert.throws(() => parseTraceText('{"kind":"run","seq":0,"at":0}\nnot json\n'), /line 2 is not JSON/);
    assert.throws(() => parseTraceText('{"kind":"walk","seq":0,"at":0}\n'), /line 1 is not a trace event/);
  });
});

describe('event labels', () => {
  it('names XState events as the chart does', () => {
    assert.equal(eventLabel('xstate.init'), 'start');
    assert.equal(eventLabel('xstate.done.actor.readResult'), 'done: readResult');
    assert.equal(eventLabel('xstate.error.actor.0.sample.runningHelper'), 'error: 0.sample.runningHelper');
    assert.equal(eventLabel('xstate.after.120000.host.deploying.runningHelper.waiting'), 'after 120 s');
    assert.equal(eventLabel('xstate.after.softTimeout.host.deploying.runningHelper.waiting'), 'after softTimeout');
    assert.equal(eventLabel('xstate.done.state.host.deploying'), 'done');
    assert.equal(eventLabel('helper.monitor'), 'helper.monitor');
  });
});

describe('a run with the helper nested in it', () => {
  const trace = (name: string) => parseTrace(gunzipSync(readFileSync(new URL(`../corpus/${name}.jsonl.gz`, import.meta.url))).toString('utf8'));

  it('merges the helper\'s steps into the host\'s in the order they reached the host, each with both machines\' states', () => {
    const events = trace('success');
    const run = runFromTrace(events);
    const hostTransitions = events.filter((e) => e.kind === 'transition').length;
    const helperTransitions = events.filter((e) => e.kind === 'nested' && e.event.kind === 'transition').length;
    assert.equal(run.steps.length, hostTransitions + helperTransitions);
    assert.deepEqual(run.steps.map((s) => s.seq), [...run.steps.map((s) => s.seq)].sort((a, b) => a - b));
    const helperSteps = run.steps.filter((s) => s.machine === 'helper');
    assert.ok(helperSteps.every((s) => s.paths.includes('deploying.runningHelper') && s.nestedPaths !== null));
    assert.equal(run.nested?.machine, 'helper');
    assert.equal(run.nested?.failureStepIndex, null);
    assert.equal(run.failure, null);
  });

  it('marks the step at which the helper failed as the cause of the host\'s failure', () => {
    const run = runFromTrace(trace('task-failure'), { isFailurePath: (machine, path) => (machine === 'helper' ? path === 'failing' : path === 'failed') });
    const failed = run.nested!.failureStepIndex!;
    assert.equal(run.steps[failed]!.machine, 'helper');
    assert.ok(run.steps[failed]!.nestedPaths!.includes('failing'));
    assert.equal(run.failure!.causeStepIndex, failed);
    assert.match(run.failure!.error.message, /^EnforcePersonality: /);
  });
});

describe('helper monitor reports', () => {
  it('reads the monitor protocol\'s messages, in helper.monitor events and on their own, and nothing else', () => {
    assert.deepEqual(monitorReport({ type: 'helper.monitor', message: { type: 'image-helper', subtype: 'task-start', task: 'MountImage' } }), { kind: 'start', task: 'MountImage' });
    assert.deepEqual(monitorReport({ type: 'helper.monitor', message: { type: 'image-helper', subtype: 'warning', messages: [' no swap'] } }), { kind: 'warning', message: 'no swap' });
    assert.deepEqual(monitorReport({ type: 'helper.monitor', message: { type: 'image-helper', subtype: 'error', stderr: 'mount: bad\nsecond\n' } }), { kind: 'error', message: 'mount: bad\nsecond' });
    assert.deepEqual(monitorReport({ type: 'helper.monitor', message: { type: 'image-helper', subtype: 'task-end', task: 'AddSwap' } }), { kind: 'end', task: 'AddSwap' });
    assert.deepEqual(monitorReport({ type: 'image-helper', subtype: 'error', messages: ['boom'] }), { kind: 'error', message: 'boom' });
    assert.equal(monitorReport({ type: 'helper.monitor', line: 'TASK_START:MountImage' }), undefined, 'a raw line is not what a trace carries');
    assert.equal(monitorReport({ type: 'copy.progress', position: 1 }), undefined);
  });
});

describe('divergence of two runs', () => {
  it('finds the step where a failing run leaves the passing one, in each run', async () => {
    const passing = runFromTrace(await recordHostRun());
    const failing = runFromTrace(await recordHostRun({ failingTask: 'MountImage' }));
    const divergence = findDivergence(passing, failing)!;
    assert.equal(passing.steps[divergence.leftStep]?.monitor, 'end MountImage');
    assert.equal(failing.steps[divergence.rightStep]?.monitor, 'error');
    assert.match(divergence.summary, /step \d+ \(helper\.monitor end MountImage → deploying\.runningHelper\.waiting\) vs step \d+ \(helper\.monitor error/);
  });

  it('does not count how often a repeated event came as a divergence', async () => {
    const few = runFromTrace(await recordHostRun({ progressMessages: 3 }));
    const many = runFromTrace(await recordHostRun({ progressMessages: 40 }));
    assert.equal(findDivergence(few, many), null);
  });

  it('marks the first effect call that differs in outcome', async () => {
    const divergence = findDivergence(runFromTrace(await passingRun()), runFromTrace(await failingRun()))!;
    assert.equal(divergence.callIndex, 2);
  });
});
