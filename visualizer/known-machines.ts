import type { AnyStateMachine } from 'xstate';
import { helperMachine } from '../machines/helper/machine.ts';
import { hostMachine } from '../machines/host/machine.ts';

/** The machines whose traces the visualizer draws, by the name their runs are traced under. */
export const KNOWN_MACHINES: ReadonlyMap<string, AnyStateMachine> = new Map<string, AnyStateMachine>([
  ['host', hostMachine],
  ['helper', helperMachine],
]);
