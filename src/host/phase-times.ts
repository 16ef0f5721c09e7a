import type { TraceEvent } from '../effects/trace.ts';

export interface PhaseTime {
  /** A state of the create machine (`copying`, `runningHelper`, ...) or a helper task (`task FixPartitionTable`). */
  readonly phase: string;
  readonly ms: number;
}

/**
 * How long a run spent in each step, read from its trace: the time between
 * entering a state of the create machine and leaving it (sub-states such as
 * runningHelper.terminating count towards their parent), then each helper
 * task from its task-start to its task-end monitor message.
 */
export function phaseTimes(trace: readonly TraceEvent[]): PhaseTime[] {
  const phases: PhaseTime[] = [];
  let current: { phase: string; since: number } | undefined;
  const enter = (phase: string, at: number) => {
    if (current?.phase === phase) return;
    if (current) phases.push({ phase: current.phase, ms: at - current.since });
    current = { phase, since: at };
  };
  for (const event of trace) if (event.kind === 'transition') enter(stepOf(event.state), event.at);
  const tasks: PhaseTime[] = [];
  const started = new Map<string, number>();
  for (const event of trace) {
    if (event.kind !== 'effect.event' || event.event.type !== 'helper.monitor') continue;
    const message = event.event.message as { subtype?: string; task?: string } | undefined;
    if (!message?.task) continue;
    if (message.subtype === 'task-start') started.set(message.task, event.at);
    if (message.subtype === 'task-end' && started.has(message.task)) tasks.push({ phase: `task ${message.task}`, ms: event.at - started.get(message.task)! });
  }
  return [...phases, ...tasks];
}

/** `{ deploying: { runningHelper: 'waiting' } }` -> `runningHelper`; `done` -> `done`. */
function stepOf(state: unknown): string {
  if (typeof state === 'string') return state;
  const [key, child] = Object.entries(state as Record<string, unknown>)[0]!;
  if (key === 'deploying' || key === 'releasing') return key === 'releasing' ? 'releasing' : stepOf(typeof child === 'string' ? child : Object.keys(child as object)[0]);
  return key;
}
