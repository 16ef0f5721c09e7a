import { getAdjacencyMap } from 'xstate/graph';
import type { AnyStateMachine } from 'xstate';
import type { TraceEvent } from '../../src/effects/trace.ts';

type Adjacency = Record<string, { state: { value: unknown }; transitions: Record<string, { state: { value: unknown } }> }>;

/**
 * Every transition between two different states that xstate/graph finds in
 * a machine, as "from -> to" with dotted state paths; the machine tests check
 * that each was taken by some test.
 */
export function graphTransitions(machine: AnyStateMachine, traversal: object, statePath: (value: unknown) => string): Set<string> {
  const adjacency = getAdjacencyMap(machine as never, traversal as never) as unknown as Adjacency;
  const edges = new Set<string>();
  for (const { state, transitions } of Object.values(adjacency)) {
    for (const { state: next } of Object.values(transitions)) {
      const from = statePath(state.value);
      const to = statePath(next.value);
      if (from !== to) edges.add(`${from} -> ${to}`);
    }
  }
  return edges;
}

/** Adds to `observed` every transition between two different states a run's trace took, as "from -> to". */
export function rememberTransitions(observed: Set<string>, trace: readonly TraceEvent[], statePath: (value: unknown) => string): void {
  let previous: string | undefined;
  for (const event of trace) {
    if (event.kind !== 'transition') continue;
    const state = statePath(event.state);
    if (previous !== undefined && previous !== state) observed.add(`${previous} -> ${state}`);
    previous = state;
  }
}
