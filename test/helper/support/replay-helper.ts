import { toPromise } from 'xstate';
import { helperMachine } from '../../../machines/helper/machine.ts';
import { replayEffects } from '../../../src/effects/replaying.ts';
import { startMachine } from '../../../src/effects/run-machine.ts';
import { memoryTracer, type TraceEvent } from '../../../src/effects/trace.ts';
import { VirtualClock } from '../../../src/effects/virtual-clock.ts';
import { HELPER_EFFECTS, type HelperEffects } from '../../../machines/helper/ports.ts';
import type { TaskDeclaration } from '../../../machines/helper/task-declaration.ts';

export const transitionStates = (trace: readonly TraceEvent[]) => trace.flatMap((e) => (e.kind === 'transition' ? [JSON.stringify(e.state)] : []));

/** Feeds a recorded helper trace back through the machine, with no I/O at all. */
export async function replayHelperTrace(trace: readonly TraceEvent[], tasks: readonly TaskDeclaration[]) {
  const clock = new VirtualClock();
  const replay = replayEffects<HelperEffects>(trace, clock);
  const tracer = memoryTracer(clock);
  // The replaying effects answer any name; the machine is given the helper's.
  const effects = Object.fromEntries(HELPER_EFFECTS.map((name) => [name, replay.effects[name]])) as HelperEffects;
  const actor = startMachine(helperMachine, effects, {
    clock,
    trace: tracer,
    name: 'helper',
    input: { tasks },
  });
  const done = toPromise(actor);
  await clock.runUntil(() => actor.getSnapshot().status === 'done');
  const output = await done;
  return { output, states: transitionStates(tracer.events), divergences: replay.divergences, unplayed: replay.unplayed() };
}
