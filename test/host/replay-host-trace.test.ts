import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Secret } from '../../src/effects/secret.ts';
import { parseTrace, type TraceEvent } from '../../src/effects/trace.ts';
import type { HostEffects } from '../../machines/host/ports.ts';
import { replayHostTrace, stepsOf } from '../../src/host/replay-host-trace.ts';
import { plan, startHost, workingWorld } from '../support/host-run.ts';

function transitions(trace: readonly TraceEvent[]) {
  return stepsOf(trace);
}

async function replay(recorded: readonly TraceEvent[]) {
  const result = await replayHostTrace(recorded);
  return { ...result, trace: result.trace };
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
    const configDevice = { ...plan.configDevice, parameters: { ...plan.configDevice.parameters, img_passwd: new Secret('hunter2') } };
    const recorded = await record({ ...world.effects, validate: async () => ({ ...plan, configDevice }) });
    const text = recorded.map((e) => JSON.stringify(e)).join('\n');
    assert.doesNotMatch(text, /hunter2/);
    assert.match(text, /"img_passwd":"\*\*\*"/);
  });
});
