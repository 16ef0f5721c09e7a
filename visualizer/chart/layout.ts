import elkModule, { type ElkExtendedEdge, type ElkNode } from 'elkjs/lib/elk.bundled.js';
import type { Chart, ChartEdge, ChartNode } from './chart.ts';

export interface Point {
  readonly x: number;
  readonly y: number;
}

export interface Box extends Point {
  readonly width: number;
  readonly height: number;
}

export interface PlacedNode extends Box {
  readonly node: ChartNode;
}

export interface PlacedEdge {
  readonly edge: ChartEdge;
  readonly points: readonly Point[];
  readonly labelBox: Box | null;
}

/** The dot and arrow that point at a compound state's initial child. */
export interface InitialMarker {
  readonly parentId: string;
  readonly dot: Point;
  readonly points: readonly Point[];
}

/** A chart with every node, edge and label placed; coordinates are absolute. */
export interface LaidOutChart {
  readonly chart: Chart;
  readonly width: number;
  readonly height: number;
  readonly nodes: readonly PlacedNode[];
  readonly edges: readonly PlacedEdge[];
  readonly initialMarkers: readonly InitialMarker[];
}

/** Text metrics the renderer uses; layout sizes boxes from them since there is no DOM to measure in. */
export const TEXT = { charWidth: 7, lineHeight: 14, titleHeight: 26, labelCharWidth: 6.2, labelHeight: 14 } as const;

const INITIAL_SUFFIX = '::initial';
const DOT = 10;

// elkjs is CommonJS typed as an ES module: Node hands over module.exports, the constructor itself, as the default.
const ELK = elkModule as unknown as typeof elkModule.default;

/** Lays a chart out with ELK's layered algorithm, the same engine Stately's visualizer uses. */
export async function layoutChart(chart: Chart): Promise<LaidOutChart> {
  const root = chart.nodes.find((n) => n.parentId === null);
  if (!root) throw new Error(`chart of ${chart.machine} has no root state`);
  const childrenOf = new Map<string, ChartNode[]>();
  for (const n of chart.nodes) if (n.parentId !== null) childrenOf.set(n.parentId, [...(childrenOf.get(n.parentId) ?? []), n]);

  const edges: ElkExtendedEdge[] = chart.edges.map((e) => ({
    id: e.id,
    sources: [e.source],
    targets: [e.target],
    labels: [{ text: e.label, width: e.label.length * TEXT.labelCharWidth + 8, height: TEXT.labelHeight }],
  }));
  const toElk = (n: ChartNode): ElkNode => {
    const children = childrenOf.get(n.id) ?? [];
    if (children.length === 0) return { id: n.id, ...leafSize(n) };
    const initial = children.find((c) => c.initial);
    if (initial) edges.push({ id: `${n.id}${INITIAL_SUFFIX}`, sources: [`${n.id}${INITIAL_SUFFIX}`], targets: [initial.id] });
    return {
      id: n.id,
      layoutOptions: { 'elk.padding': `[top=${TEXT.titleHeight + 8},left=14,bottom=14,right=14]` },
      children: [...(initial ? [{ id: `${n.id}${INITIAL_SUFFIX}`, width: DOT, height: DOT }] : []), ...children.map(toElk)],
    };
  };
  const graph = await new ELK().layout({
    id: '::canvas',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'DOWN',
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.edgeRouting': 'ORTHOGONAL',
      'elk.layered.spacing.nodeNodeBetweenLayers': '36',
      'elk.spacing.nodeNode': '28',
      'elk.spacing.edgeLabel': '4',
      'elk.padding': '[top=8,left=8,bottom=8,right=8]',
    },
    children: [toElk(root)],
    edges,
  });
  return collect(chart, graph);
}

function leafSize(n: ChartNode): { width: number; height: number } {
  const lines = [n.key, ...n.invokes.map((i) => `▶ ${i}`)];
  const longest = Math.max(...lines.map((l) => l.length));
  return { width: Math.max(80, longest * TEXT.charWidth + 24), height: TEXT.titleHeight + 8 + n.invokes.length * TEXT.lineHeight };
}

/** Turns ELK's output, where coordinates are relative to the parent (nodes) or container (edges), into absolute ones. */
function collect(chart: Chart, graph: ElkNode): LaidOutChart {
  const byId = new Map(chart.nodes.map((n) => [n.id, n]));
  const origin = new Map<string, Point>([['::canvas', { x: 0, y: 0 }]]);
  const nodes: PlacedNode[] = [];
  const dots = new Map<string, Point>();
  const walk = (elk: ElkNode, parent: Point): void => {
    const at = { x: parent.x + (elk.x ?? 0), y: parent.y + (elk.y ?? 0) };
    origin.set(elk.id, at);
    const node = byId.get(elk.id);
    if (node) nodes.push({ node, x: at.x, y: at.y, width: elk.width ?? 0, height: elk.height ?? 0 });
    else if (elk.id.endsWith(INITIAL_SUFFIX)) dots.set(elk.id.slice(0, -INITIAL_SUFFIX.length), { x: at.x + DOT / 2, y: at.y + DOT / 2 });
    for (const child of elk.children ?? []) walk(child, at);
  };
  for (const child of graph.children ?? []) walk(child, { x: 0, y: 0 });

  const edgeById = new Map(chart.edges.map((e) => [e.id, e]));
  const edges: PlacedEdge[] = [];
  const initialMarkers: InitialMarker[] = [];
  for (const elk of graph.edges ?? []) {
    const offset = origin.get((elk as { container?: string }).container ?? '::canvas') ?? { x: 0, y: 0 };
    const move = (p: Point): Point => ({ x: p.x + offset.x, y: p.y + offset.y });
    const points = (elk.sections ?? []).flatMap((s) => [s.startPoint, ...(s.bendPoints ?? []), s.endPoint].map(move));
    const edge = edgeById.get(elk.id);
    if (edge) {
      const label = elk.labels?.[0];
      const labelBox = label ? { ...move({ x: label.x ?? 0, y: label.y ?? 0 }), width: label.width ?? 0, height: label.height ?? 0 } : null;
      edges.push({ edge, points, labelBox });
    } else {
      const parentId = elk.id.slice(0, -INITIAL_SUFFIX.length);
      const dot = dots.get(parentId);
      if (dot) initialMarkers.push({ parentId, dot, points });
    }
  }
  return { chart, width: graph.width ?? 0, height: graph.height ?? 0, nodes, edges, initialMarkers };
}
