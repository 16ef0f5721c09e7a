import { hostMachine, type HostOutput } from '../../machines/host/machine.ts';
import { replayEffects, type Divergence } from '../effects/replaying.ts';
import { startMachine } from '../effects/run-machine.ts';
import { memoryTracer, type TraceEvent } from '../effects/trace.ts';
import { VirtualClock } from '../effects/virtual-clock.ts';
import { HOST_EFFECT_NAMES, type HostEffects } from '../../machines/host/ports.ts';

export interface Step {
  readonly event: string;
  readonly state: unknown;
  readonly at: number;
}

export interface HostReplay {
  /** The recorded run's steps and the replay's, for comparison. */
  readonly recorded: readonly Step[];
  readonly replayed: readonly Step[];
  /** Index of the first step where they differ, or -1 when they agree. */
  readonly firstMismatch: number;
  readonly divergences: readonly Divergence[];
  /** Recorded effect calls the replay never made. */
  readonly unplayed: readonly string[];
  readonly output: HostOutput | undefined;
  readonly trace: readonly TraceEvent[];
}

export function stepsOf(trace: readonly TraceEvent[]): Step[] {
  return trace.flatMap((e) => (e.kind === 'transition' ? [{ event: e.event.type, state: e.state, at: e.at }] : []));
}

/**
 * Steps match on what happened, not on when: a real run's clock is read a
 * moment apart for an effect's result and the transition it causes.
 */
function sameStep(a: Step | undefined, b: Step | undefined): boolean {
  return a !== undefined && b !== undefined && a.event === b.event && JSON.stringify(a.state) === JSON.stringify(b.state);
}

/**
 * Feeds a recorded create trace back through machines/host/machine.ts on a virtual
 * clock: the effects answer from the trace, nothing touches the world. A run
 * that replays to the same steps with no divergence is reproduced exactly.
 */
export async function replayHostTrace(recorded: readonly TraceEvent[]): Promise<HostReplay> {
  const clock = new VirtualClock();
  const { effects, divergences, unplayed } = replayEffects<HostEffects>(recorded, clock);
  const tracer = memoryTracer(clock);
  const provided = Object.fromEntries(HOST_EFFECT_NAMES.map((name) => [name, effects[name]])) as HostEffects;
  const actor = startMachine(hostMachine, provided, { clock, trace: tracer, name: 'host' });
  await clock.runUntil(() => actor.getSnapshot().status === 'done');
  actor.stop();
  const recordedSteps = stepsOf(recorded);
  const replayedSteps = stepsOf(tracer.events);
  const length = Math.max(recordedSteps.length, replayedSteps.length);
  let firstMismatch = -1;
  for (let i = 0; i < length && firstMismatch < 0; i++) {
    if (!sameStep(recordedSteps[i], replayedSteps[i])) firstMismatch = i;
  }
  return {
    recorded: recordedSteps,
    replayed: replayedSteps,
    firstMismatch,
    divergences,
    unplayed: unplayed(),
    output: actor.getSnapshot().output,
    trace: tracer.events,
  };
}
