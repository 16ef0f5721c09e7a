import type { AnyStateMachine } from 'xstate';
import type { ChartView } from '../page-data.ts';
import { chartFromMachine } from './from-machine.ts';
import { layoutChart } from './layout.ts';
import { renderChartSvg } from './svg.ts';

/** Builds, lays out and draws a machine's chart, ready to embed in the page. */
export async function chartView(machine: AnyStateMachine, name: string = machine.id): Promise<ChartView> {
  const chart = chartFromMachine(machine);
  const laid = await layoutChart(chart);
  return { machine: name, svg: renderChartSvg(laid), failurePaths: chart.nodes.filter((n) => n.failure).map((n) => n.path) };
}
