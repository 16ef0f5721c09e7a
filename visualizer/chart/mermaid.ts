import type { Chart, ChartEdge, ChartNode } from './chart.ts';

/**
 * The chart as a Mermaid `stateDiagram-v2`, for docs that render on any
 * forge. Transitions between siblings are written inside their parent's
 * block; the others at the top, where Mermaid resolves state ids globally.
 */
export function chartToMermaid(chart: Chart): string {
  const root = chart.nodes.find((n) => n.parentId === null);
  if (!root) throw new Error(`chart of ${chart.machine} has no root state`);
  const byId = new Map(chart.nodes.map((n) => [n.id, n]));
  const children = (id: string) => chart.nodes.filter((n) => n.parentId === id);
  const edgesIn = (parentId: string) =>
    chart.edges.filter((e) => e.source !== root.id && byId.get(e.source)?.parentId === parentId && byId.get(e.target)?.parentId === parentId);
  const sibling = new Set(chart.nodes.flatMap((n) => edgesIn(n.id)));

  const lines = ['stateDiagram-v2'];
  const block = (parent: ChartNode, indent: string): void => {
    for (const child of children(parent.id)) {
      const id = mermaidId(child);
      if (children(child.id).length > 0) {
        lines.push(`${indent}state "${child.key}" as ${id} {`);
        block(child, `${indent}  `);
        lines.push(`${indent}}`);
      } else {
        lines.push(`${indent}state "${child.key}" as ${id}`);
      }
      for (const src of child.invokes) lines.push(`${indent}${id}: invokes ${text(src)}`);
      if (child.initial) lines.push(`${indent}[*] --> ${id}`);
      if (child.kind === 'final') lines.push(`${indent}${id} --> [*]`);
    }
    for (const edge of edgesIn(parent.id)) lines.push(`${indent}${transition(edge, byId)}`);
  };
  block(root, '  ');
  for (const edge of chart.edges) {
    if (sibling.has(edge)) continue;
    if (edge.source === root.id) lines.push(`  %% from any state: ${text(edge.label)} --> ${mermaidId(byId.get(edge.target)!)}`);
    else lines.push(`  ${transition(edge, byId)}`);
  }
  const failures = chart.nodes.filter((n) => n.failure);
  if (failures.length > 0) {
    lines.push('  classDef failure fill:#fde2e2,stroke:#c62828,color:#7f1d1d');
    lines.push(`  class ${failures.map(mermaidId).join(', ')} failure`);
  }
  return `${lines.join('\n')}\n`;
}

function transition(edge: ChartEdge, byId: ReadonlyMap<string, ChartNode>): string {
  return `${mermaidId(byId.get(edge.source)!)} --> ${mermaidId(byId.get(edge.target)!)}: ${text(edge.label)}`;
}

/** Mermaid ids are global and may not contain dots, so a state's path names it. */
function mermaidId(node: ChartNode): string {
  return node.path.replace(/[^A-Za-z0-9_]/g, '_');
}

/** Mermaid ends a statement at `;` and reads `#...;` as an entity; neither belongs in a label. */
function text(label: string): string {
  return label.replace(/[;#]/g, ' ');
}
