/// <reference lib="dom" />
import { eventLabel } from '../run/event-label.ts';
import type { Run } from '../run/run.ts';
import type { ChartView, PageRun } from '../page-data.ts';
import { ChartPane } from './chart-pane.ts';
import { DetailsView } from './details-view.ts';
import { formatTime, h } from './dom.ts';
import { StepsView } from './steps-view.ts';
import { TimelineView } from './timeline-view.ts';

type RunStatus = 'passed' | 'failed' | 'unfinished';

function runStatus(run: Run): RunStatus {
  if (run.failure) return 'failed';
  return run.steps.at(-1)?.status === 'done' ? 'passed' : 'unfinished';
}

/**
 * One run: its chart (and the chart of the machine nested in it, the
 * helper's, drawn inside the state it ran in), the current step's details,
 * the step list and the effect timeline, kept on the same step.
 */
export class RunPane {
  readonly element: HTMLElement;
  readonly #chart: ChartPane;
  readonly #nestedChart: ChartPane | undefined;
  readonly #details: DetailsView;
  readonly #steps: StepsView;
  readonly #timeline: TimelineView;

  constructor(
    private readonly page: PageRun,
    charts: readonly ChartView[],
    divergent: { readonly step: number | null; readonly call: number | null },
    onSelect: (index: number) => void,
  ) {
    const { run } = page;
    const status = runStatus(run);
    const chartOf = (machine: string) => charts.find((c) => c.machine === machine);
    this.#chart = new ChartPane(chartOf(run.machine), run.machine);
    const nested = run.nested;
    this.#nestedChart = nested ? new ChartPane(chartOf(nested.machine), nested.machine) : undefined;
    this.#details = new DetailsView(run, onSelect);
    this.#steps = new StepsView(run, divergent.step, onSelect);
    this.#timeline = new TimelineView(run, divergent.call, onSelect, (at) => onSelect(this.stepAt(at)));
    const header = h('header', { class: 'run-header' }, [
      h('span', { class: 'run-title', text: page.title }),
      h('span', { class: `run-status status-${status}`, text: status }),
      h('span', { class: 'run-facts', text: [run.machine, run.startedAt ? `started ${run.startedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}` : '', formatTime(run.durationMs), `${run.eventCount} events`].filter(Boolean).join(' · ') }),
    ]);
    this.element = h('div', { class: `run-pane status-${status}` }, [
      header,
      h('div', { class: 'run-body' }, [
        h('div', { class: 'run-charts' }, [
          this.#chart.element,
          ...(nested && this.#nestedChart
            ? [h('div', { class: 'nested-chart' }, [h('h3', { class: 'nested-caption', text: `${nested.machine}, inside ${nested.under}` }), this.#nestedChart.element])]
            : []),
        ]),
        h('div', { class: 'run-side' }, [this.#details.element, this.#steps.element]),
      ]),
      this.#timeline.element,
    ]);
  }

  get stepCount(): number {
    return this.page.run.steps.length;
  }

  /** The last step at or before a time on the run's clock. */
  stepAt(at: number): number {
    const steps = this.page.run.steps;
    let found = 0;
    for (let i = 0; i < steps.length && steps[i]!.at <= at; i++) found = i;
    return found;
  }

  show(requested: number): void {
    const { run } = this.page;
    const index = Math.min(requested, run.steps.length - 1);
    const step = run.steps[index];
    if (!step) return;
    const previous = run.steps[index - 1];
    const own = step.machine === run.machine;
    this.#chart.show(step.paths, run.failure !== null && index >= run.failure.stepIndex, own ? eventLabel(step.event) : '', previous?.paths ?? []);
    if (this.#nestedChart && run.nested) {
      const failed = run.nested.failureStepIndex !== null && index >= run.nested.failureStepIndex;
      this.#nestedChart.show(step.nestedPaths ?? [], failed, own ? '' : eventLabel(step.event), previous?.nestedPaths ?? []);
    }
    this.#details.show(index);
    this.#steps.show(index);
    this.#timeline.show(step.seq, step.at);
  }
}
