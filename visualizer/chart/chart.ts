/**
 * A state chart as plain data: what the SVG renderer, the Mermaid exporter and
 * the run page draw. Built from a machine by `chartFromMachine`; it holds no
 * XState objects, so it can be embedded in a page as JSON.
 */
export type NodeKind = 'atomic' | 'compound' | 'parallel' | 'final' | 'history';

export interface ChartNode {
  /** XState's state id, e.g. `host.copying.streaming`. */
  readonly id: string;
  /** The state's keys from the root, joined with dots; `''` for the root. Traces name states this way. */
  readonly path: string;
  readonly key: string;
  readonly parentId: string | null;
  readonly kind: NodeKind;
  /** The parent's initial state. */
  readonly initial: boolean;
  /** A state named `failed` or tagged `failure`: where a run ends when it went wrong. */
  readonly failure: boolean;
  readonly tags: readonly string[];
  /** Sources of the actors the state invokes (effects, mostly). */
  readonly invokes: readonly string[];
  /** Events handled without leaving the state (actions only); listed, not drawn. */
  readonly internalEvents: readonly string[];
}

export interface ChartEdge {
  readonly id: string;
  readonly source: string;
  readonly target: string;
  /** What the chart prints: event, then guard in brackets, e.g. `done: runHelper [resultIsSuccess]`. */
  readonly label: string;
  readonly event: string;
  readonly guard?: string;
  /** Set for `after` transitions: `120 s`, or the delay's name when it is computed. */
  readonly delay?: string;
}

export interface Chart {
  /** The machine's id, e.g. `host`. */
  readonly machine: string;
  readonly nodes: readonly ChartNode[];
  readonly edges: readonly ChartEdge[];
}

