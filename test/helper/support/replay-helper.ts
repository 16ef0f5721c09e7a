import { helperMachine } from '../../../machines/helper/machine.ts';
import { HELPER_EFFECTS } from '../../../machines/helper/ports.ts';
import type { TaskDeclaration } from '../../../machines/helper/task-declaration.ts';
import { replayMachine } from '../../../src/effects/replay-machine.ts';
import type { TraceEvent } from '../../../src/effects/trace.ts';

export const transitionStates = (trace: readonly TraceEvent[]) => trace.flatMap((e) => (e.kind === 'transition' ? [JSON.stringify(e.state)] : []));

/** Feeds a recorded helper trace back through the machine, with no I/O at all, checking that it was started with `tasks`. */
export async function replayHelperTrace(trace: readonly TraceEvent[], tasks: readonly TaskDeclaration[]) {
  const run = trace.find((e) => e.kind === 'run');
  if (JSON.stringify((run as { input?: unknown } | undefined)?.input) !== JSON.stringify({ tasks })) throw new Error('the trace was recorded with other tasks');
  const replay = await replayMachine(helperMachine, HELPER_EFFECTS, trace, 'helper');
  if (!replay.output) throw new Error('the replay did not finish');
  return { output: replay.output, states: transitionStates(replay.trace), divergences: replay.divergences, unplayed: replay.unplayed };
}
