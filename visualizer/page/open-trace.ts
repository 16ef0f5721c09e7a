/// <reference lib="dom" />
import type { TraceEvent } from '../../src/effects/trace.ts';
import { failurePathsOf, runFromTrace } from '../run/from-trace.ts';
import type { ChartView, PageRun } from '../page-data.ts';

const KINDS = new Set(['run', 'transition', 'effect.call', 'effect.event', 'effect.result', 'nested', 'log']);

/**
 * Reads a trace file chosen in the page. The page carries no schema library,
 * so this checks what the run model relies on and names the first bad line.
 */
export function parseTraceText(text: string): TraceEvent[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        throw new Error(`line ${i + 1} is not JSON`);
      }
      const e = value as { kind?: unknown; seq?: unknown; at?: unknown };
      if (typeof e.kind !== 'string' || !KINDS.has(e.kind) || typeof e.seq !== 'number' || typeof e.at !== 'number') {
        throw new Error(`line ${i + 1} is not a trace event`);
      }
      return value as TraceEvent;
    });
}

export async function runFromFile(file: File, charts: readonly ChartView[]): Promise<PageRun> {
  const events = parseTraceText(await file.text());
  const run = runFromTrace(events, failurePathsOf(charts));
  return { title: file.name, run };
}
