import { hostMachine } from '../../machines/host/machine.ts';
import { helperMachine } from '../../machines/helper/machine.ts';
import { HELPER_EFFECTS } from '../../machines/helper/ports.ts';
import { HOST_EFFECT_NAMES } from '../../machines/host/ports.ts';
import { replayMachine, type MachineReplay } from '../effects/replay-machine.ts';
import { nestedEvents, ownEvents } from '../effects/nested-trace.ts';
import type { TraceEvent } from '../effects/trace.ts';
import { HELPER_MACHINE } from '../protocol/trace-channel.ts';

export { stepsOf, type Step } from '../effects/replay-machine.ts';

export interface HostReplay extends MachineReplay<typeof hostMachine> {
  /** The helper's replay, when the run got as far as the helper and its trace came back. */
  readonly helper: MachineReplay<typeof helperMachine> | undefined;
}

/**
 * Feeds a recorded create trace back through both machines with no I/O: the
 * host (machines/host) against its own events, and the helper
 * (machines/helper) against the events its VM sent on the trace channel.
 */
export async function replayHostTrace(recorded: readonly TraceEvent[]): Promise<HostReplay> {
  const host = await replayMachine(hostMachine, HOST_EFFECT_NAMES, ownEvents(recorded), 'host');
  const helperEvents = nestedEvents(recorded, HELPER_MACHINE);
  const helper = helperEvents.length > 0 ? await replayMachine(helperMachine, HELPER_EFFECTS, helperEvents, HELPER_MACHINE) : undefined;
  return { ...host, helper };
}
