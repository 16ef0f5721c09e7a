import type { AnyStateMachine, AnyStateNode } from 'xstate';
import type { Chart, ChartEdge, ChartNode, NodeKind } from './chart.ts';
import { edgeLabel } from './edge-label.ts';

/** Builds the chart of a machine from its state nodes (`machine.root`). */
export function chartFromMachine(machine: AnyStateMachine): Chart {
  const delays = (machine.implementations.delays ?? {}) as Record<string, unknown>;
  const nodes: ChartNode[] = [];
  const edges: ChartEdge[] = [];

  const visit = (state: AnyStateNode, initial: boolean): void => {
    const invokeSources = new Map(state.invoke.map((i) => [i.id, typeof i.src === 'string' ? i.src : i.id] as const));
    const internalEvents: string[] = [];
    const transitions = [...state.transitions.values()].flat().concat(state.always ?? []);
    for (const transition of transitions) {
      const label = edgeLabel(transition, delays, invokeSources);
      const targets = transition.target ?? [];
      if (targets.length === 0) {
        if (!internalEvents.includes(label.event)) internalEvents.push(label.event);
        continue;
      }
      for (const target of targets) {
        edges.push({ id: `e${edges.length}`, source: state.id, target: target.id, ...label });
      }
    }
    nodes.push({
      id: state.id,
      path: state.path.join('.'),
      key: state.key,
      parentId: state.parent?.id ?? null,
      kind: state.type as NodeKind,
      initial,
      failure: state.key === 'failed' || state.tags.includes('failure'),
      tags: [...state.tags],
      invokes: [...invokeSources.values()],
      internalEvents,
    });
    const initialIds = new Set((state.type === 'compound' ? state.initial.target : []).map((t: AnyStateNode) => t.id));
    for (const child of Object.values(state.states) as AnyStateNode[]) visit(child, initialIds.has(child.id));
  };

  visit(machine.root, false);
  return { machine: machine.id, nodes, edges };
}
