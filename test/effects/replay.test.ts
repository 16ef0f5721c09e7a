import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hostMachine } from '../../machines/host.ts';
import { replayEffects } from '../../src/effects/replaying.ts';
import { startMachine } from '../../src/effects/run-machine.ts';
import { Secret } from '../../src/effects/secret.ts';
import { memoryTracer, parseTrace, type TraceEvent } from '../../src/effects/trace.ts';
import { VirtualClock } from '../../src/effects/virtual-clock.ts';
import type { HostEffects } from '../../src/host/host-effects.ts';
import { plan, startHost, workingWorld } from '../support/host-run.ts';

function transitions(trace: readonly TraceEvent[]) {
  return trace.filter((e) => e.kind === 'transition').map((e) => ({ event: (e as { event: { type: string } }).event.type, state: (e as { state: unknown }).state, at: e.at }));
}

async function replay(recorded: readonly TraceEvent[]) {
  const clock = new VirtualClock();
  const { effects, divergences, unplayed } = replayEffects<HostEffects>(recorded, clock);
  const tracer = memoryTracer(clock);
  const actor = startMachine(hostMachine, Object.fromEntries(['validate', 'selectBackends', 'attachDestination', 'copyImage', 'writeConfigDevice', 'runHelper', 'signalHelper', 'readResult', 'releaseResource'].map((n) => [n, effects[n as keyof HostEffects]])), { clock, trace: tracer, name: 'host' });
  await clock.runUntil(() => actor.getSnapshot().status === 'done');
  return { trace: tracer.events, divergences, unplayed: unplayed(), output: actor.getSnapshot().output };
}

async function record(effects: HostEffects) {
  const run = startHost(effects);
  await run.finish();
  // Through text, as a trace file would be read back.
  return parseTrace(run.trace.map((e) => JSON.stringify(e)).join('\n'));
}

describe('replaying a recorded host run', () => {
  it('reproduces the same transitions at the same times, with no effect doing anything', async () => {
    const world = workingWorld();
    const recorded = await record(world.effects);
    world.released.length = 0;
    const replayed = await replay(recorded);
    assert.deepEqual(replayed.divergences, []);
    assert.deepEqual(replayed.unplayed, []);
    assert.deepEqual(transitions(replayed.trace), transitions(recorded));
    assert.deepEqual(world.released, [], 'the real effects were not called');
  });

  it('reproduces a run where the helper timed out, timers included', async () => {
    const world = workingWorld();
    const recorded = await record({ ...world.effects, runHelper: world.stuckHelper });
    const replayed = await replay(recorded);
    assert.deepEqual(replayed.divergences, []);
    assert.deepEqual(transitions(replayed.trace), transitions(recorded));
    assert.equal(replayed.output?.failure?.kind, 'HelperTimeout');
    assert.equal(transitions(recorded).at(-1)?.at, plan.helperTimeouts.softMs + plan.helperTimeouts.hardMs);
  });

  it('reports a tampered trace as a divergence', async () => {
    const world = workingWorld();
    const recorded = await record(world.effects);
    const tampered = recorded.map((e) =>
      e.kind === 'effect.call' && e.effect === 'copyImage' ? { ...e, input: { ...(e.input as object), target: '/dev/sdz' } } : e,
    );
    const replayed = await replay(tampered);
    assert.ok(replayed.divergences.length >= 1);
    assert.equal(replayed.divergences[0]!.effect, 'copyImage');
    assert.match(replayed.divergences[0]!.message, /different input/);
    assert.notDeepEqual(transitions(replayed.trace), transitions(recorded));
  });

  it('never writes a secret into the trace', async () => {
    const world = workingWorld();
    const recorded = await record({ ...world.effects, validate: async () => ({ ...plan, password: new Secret('hunter2') }) });
    const text = recorded.map((e) => JSON.stringify(e)).join('\n');
    assert.doesNotMatch(text, /hunter2/);
    assert.match(text, /"password":"\*\*\*"/);
  });
});
