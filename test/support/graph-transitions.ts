import { getAdjacencyMap } from 'xstate/graph';
import type { AnyStateMachine } from 'xstate';

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
