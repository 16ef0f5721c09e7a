import type { AnyStateMachine } from 'xstate';
import type { TraceEvent } from '../src/effects/trace.ts';
import { chartView } from './chart/chart-view.ts';
import type { PageData } from './page-data.ts';
import { failurePathsOf, runFromTrace } from './run/from-trace.ts';

export interface NamedTrace {
  readonly title: string;
  readonly events: readonly TraceEvent[];
}

/**
 * The page's data for one or two traces. Every known machine's chart goes
 * in, so a trace opened later in the page finds its chart too.
 */
export async function pageFromTraces(traces: readonly NamedTrace[], machines: ReadonlyMap<string, AnyStateMachine>): Promise<PageData> {
  const charts = await Promise.all([...machines].map(([name, machine]) => chartView(machine, name)));
  const runs = traces.map(({ title, events }) => ({ title, run: runFromTrace(events, failurePathsOf(charts)) }));
  return { runs, charts };
}
