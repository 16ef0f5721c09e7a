/// <reference lib="dom" />
import { eventLabel } from '../run/event-label.ts';
import type { Run } from '../run/run.ts';
import { formatTime, h } from './dom.ts';
import { VirtualList } from './virtual-list.ts';

const ROW_HEIGHT = 24;

/** The run's transitions, one row each; the current one marked, the failure and its cause in red. */
export class StepsView {
  readonly element: HTMLElement;
  readonly #list: VirtualList;
  #current = 0;

  constructor(
    private readonly run: Run,
    private readonly divergentStep: number | null,
    onSelect: (index: number) => void,
  ) {
    this.#list = new VirtualList(run.steps.length, ROW_HEIGHT, (i) => this.#row(i), 'steps');
    this.#list.element.addEventListener('click', (event) => {
      const row = (event.target as HTMLElement).closest<HTMLElement>('[data-step]');
      if (row) onSelect(Number(row.dataset.step));
    });
    this.element = h('section', { class: 'steps-view' }, [h('h3', { text: `Steps (${run.steps.length})` }), this.#list.element]);
  }

  show(index: number): void {
    this.#current = index;
    this.#list.reveal(index);
    this.#list.refresh();
  }

  #row(i: number): HTMLElement {
    const step = this.run.steps[i]!;
    const failure = this.run.failure;
    const classes = [
      'step',
      i === this.#current ? 'current' : '',
      i > this.#current ? 'future' : '',
      failure?.stepIndex === i ? 'failure' : '',
      failure?.causeStepIndex === i ? 'cause' : '',
      this.divergentStep === i ? 'divergent' : '',
    ];
    return h('div', { class: classes.filter(Boolean).join(' '), attrs: { 'data-step': String(i) }, title: step.detail }, [
      h('span', { class: 'step-number', text: String(i + 1) }),
      h('span', { class: 'step-time', text: formatTime(step.at) }),
      h('span', { class: 'step-event', text: step.monitor ? `${eventLabel(step.event)} (${step.monitor})` : eventLabel(step.event) }),
      h('span', { class: 'step-arrow', text: '→' }),
      h('span', { class: 'step-state', text: step.state }),
    ]);
  }
}
