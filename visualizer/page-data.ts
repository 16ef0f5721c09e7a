import type { Run } from './run/run.ts';

/** A machine's chart as the page draws it: SVG markup prepared at build time, and which states are failures. */
export interface ChartView {
  readonly machine: string;
  readonly svg: string;
  readonly failurePaths: readonly string[];
}

export interface PageRun {
  /** Where the run came from, e.g. the trace file's name. */
  readonly title: string;
  readonly run: Run;
}

/** Everything the page shows, embedded in it as JSON: one run, or two to compare, and the charts of the machines. */
export interface PageData {
  readonly runs: readonly PageRun[];
  readonly charts: readonly ChartView[];
}

/** The id of the script element that carries the page data. */
export const PAGE_DATA_ID = 'viz-data';
