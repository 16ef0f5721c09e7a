import type { AnyStateMachine } from 'xstate';
import type { ChartView } from '../page-data.ts';
import { chartFromMachine } from './from-machine.ts';
import { layoutChart } from './layout.ts';
import { renderChartSvg } from './svg.ts';

// Laying a chart out takes a second or so and a machine never changes while the process runs.
const drawn = new WeakMap<AnyStateMachine, Map<string, Promise<ChartView>>>();

/** Builds, lays out and draws a machine's chart, ready to embed in the page. */
export function chartView(machine: AnyStateMachine, name: string = machine.id): Promise<ChartView> {
  const byName = drawn.get(machine) ?? new Map<string, Promise<ChartView>>();
  drawn.set(machine, byName);
  const view = byName.get(name) ?? drawChart(machine, name);
  byName.set(name, view);
  return view;
}

async function drawChart(machine: AnyStateMachine, name: string): Promise<ChartView> {
  const chart = chartFromMachine(machine);
  const laid = await layoutChart(chart);
  return { machine: name, svg: renderChartSvg(laid), failurePaths: chart.nodes.filter((n) => n.failure).map((n) => n.path) };
}
