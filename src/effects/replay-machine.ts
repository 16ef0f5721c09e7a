import type { AnyStateMachine, OutputFrom } from 'xstate';
import type { PortsOf } from './actors.ts';
import { replayEffects, type Divergence } from './replaying.ts';
import { startMachine } from './run-machine.ts';
import { memoryTracer, type TraceEvent } from './trace.ts';
import { VirtualClock } from './virtual-clock.ts';

export interface Step {
  readonly event: string;
  readonly state: unknown;
  readonly at: number;
}

export interface MachineReplay<M extends AnyStateMachine> {
  /** The recorded run's steps and the replay's, for comparison. */
  readonly recorded: readonly Step[];
  readonly replayed: readonly Step[];
  /** Index of the first step where they differ, or -1 when they agree. */
  readonly firstMismatch: number;
  readonly divergences: readonly Divergence[];
  /** Recorded effect calls the replay never made. */
  readonly unplayed: readonly string[];
  /** The machine's output; undefined when the replay did not reach a final state. */
  readonly output: OutputFrom<M> | undefined;
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
 * Feeds one machine's recorded trace back through the machine on a virtual
 * clock: the effects answer from the trace, nothing touches the world, and
 * the machine starts with the input its `run` line recorded. A run that
 * replays to the same steps with no divergence is reproduced exactly.
 * `output` is undefined when the recorded run stopped before its machine
 * reached a final state.
 */
export async function replayMachine<M extends AnyStateMachine>(
  machine: M,
  effectNames: readonly (keyof PortsOf<M> & string)[],
  recorded: readonly TraceEvent[],
  name: string,
): Promise<MachineReplay<M>> {
  const clock = new VirtualClock();
  const { effects, divergences, unplayed } = replayEffects<PortsOf<M>>(recorded, clock);
  const tracer = memoryTracer(clock);
  // The replaying effects answer any name; the machine is given those of its port.
  const provided = Object.fromEntries(effectNames.map((effect) => [effect, effects[effect]])) as PortsOf<M>;
  const run = recorded.find((e) => e.kind === 'run');
  const input = run?.kind === 'run' ? run.input : undefined;
  const actor = startMachine(machine, provided, { clock, trace: tracer, name, ...(input !== undefined ? { input } : {}) });
  const snapshot = () => actor.getSnapshot() as { status: string; output?: OutputFrom<M> };
  // A run may end before its machine does (the helper's VM powers off while
  // it waits for that): the replay goes no further in time than the recording.
  const recordedUntil = recorded.reduce((latest, e) => Math.max(latest, e.at), 0);
  await clock.runUntil(() => snapshot().status !== 'active', recordedUntil);
  const recordedSteps = stepsOf(recorded);
  // Read before stopping: stopping a machine that is still running is a step of its own.
  const replayedSteps = stepsOf(tracer.events);
  const output = snapshot().output;
  actor.stop();
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
    output,
    trace: tracer.events,
  };
}

/** Whether a replay took every recorded step, made every recorded call and no other. */
export function reproduced(replay: MachineReplay<AnyStateMachine>): boolean {
  return replay.firstMismatch < 0 && replay.divergences.length === 0 && replay.unplayed.length === 0;
}
