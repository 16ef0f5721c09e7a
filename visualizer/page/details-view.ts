/// <reference lib="dom" />
import { eventLabel } from '../run/event-label.ts';
import type { HelperTask, Run, Step } from '../run/run.ts';
import { formatTime, h } from './dom.ts';

/**
 * What the current step means: its event and state, the failure from the step
 * that set it off on (in red, with the error and where it ended), and
 * the helper's tasks as they stood at that moment.
 */
export class DetailsView {
  readonly element: HTMLElement;
  readonly #helperState: string | null;

  constructor(
    private readonly run: Run,
    private readonly onSelect: (index: number) => void,
  ) {
    this.element = h('section', { class: 'details-view' });
    const first = run.tasks[0];
    this.#helperState = first ? (stepAtSeq(run, first.startSeq)?.state ?? null) : null;
  }

  show(index: number): void {
    const step = this.run.steps[index];
    const parts: HTMLElement[] = [];
    if (step) parts.push(this.#stepBox(step));
    const failure = this.run.failure;
    // From the step that set it off, the failure is what the reader is looking for.
    if (failure && index >= Math.min(failure.causeStepIndex, failure.stepIndex)) parts.push(this.#failureBox());
    if (this.run.tasks.length > 0 && step) parts.push(this.#tasksBox(step));
    if (step) parts.push(...this.#logBox(step, this.run.steps[index + 1]));
    this.element.replaceChildren(...parts);
  }

  #stepBox(step: Step): HTMLElement {
    return h('div', { class: 'step-box' }, [
      h('div', { class: 'step-title' }, [h('strong', { text: `Step ${step.index + 1} of ${this.run.steps.length}` }), ` at ${formatTime(step.at)}`]),
      h('div', {}, [h('span', { class: 'label', text: 'event ' }), h('code', { class: 'current-event', text: eventLabel(step.event), title: step.event })]),
      h('div', {}, [h('span', { class: 'label', text: 'state ' }), h('code', { class: 'current-state', text: step.state }), ` (${step.status})`]),
      ...(step.detail ? [h('div', { class: 'step-detail', text: step.detail })] : []),
    ]);
  }

  #failureBox(): HTMLElement {
    const failure = this.run.failure!;
    const call = failure.callId === null ? undefined : this.run.calls.find((c) => c.callId === failure.callId);
    const goTo = (label: string, index: number) => {
      const button = h('button', { class: 'link', text: label });
      button.addEventListener('click', () => this.onSelect(index));
      return button;
    };
    return h('div', { class: 'failure-box', attrs: { role: 'alert' } }, [
      h('div', { class: 'failure-title', text: `Run failed: it ended in ${failure.state}` }),
      h('div', { class: 'failure-error', text: `${failure.error.name}: ${failure.error.message}` }),
      h('div', { class: 'failure-cause' }, [
        call ? `${call.outcome === 'error' ? 'caused by effect' : 'reported through effect'} ${call.effect} (call #${call.callId}) at ` : 'caused at ',
        goTo(`step ${failure.causeStepIndex + 1}`, failure.causeStepIndex),
        '; failure state reached at ',
        goTo(`step ${failure.stepIndex + 1}`, failure.stepIndex),
      ]),
    ]);
  }

  /** What the run logged while it was in the step's state, i.e. before the next step. */
  #logBox(step: Step, next: Step | undefined): HTMLElement[] {
    const until = next?.seq ?? Infinity;
    const lines = this.run.logs.filter((l) => l.seq > step.seq && l.seq < until);
    if (lines.length === 0) return [];
    const shown = lines.slice(0, LOG_LINES_SHOWN).map((l) => h('li', { class: `log log-${l.level}`, text: `${formatTime(l.at)} ${l.level}: ${l.msg}` }));
    const more = lines.length > LOG_LINES_SHOWN ? [h('li', { class: 'log', text: `… ${lines.length - LOG_LINES_SHOWN} more` })] : [];
    return [h('div', { class: 'log-box' }, [h('h3', { text: 'Logged in this step' }), h('ul', { class: 'log-list' }, [...shown, ...more])])];
  }

  #tasksBox(step: Step): HTMLElement {
    const rows = this.run.tasks.map((task) => {
      const status = taskStatusAt(task, step.seq);
      return h('li', { class: `task task-${status}`, title: task.messages.join('\n') }, [
        h('span', { class: 'task-name', text: task.name }),
        h('span', { class: 'task-status', text: status }),
        ...(status === 'failed' && task.messages.length > 0 ? [h('div', { class: 'task-message', text: task.messages.join('\n') })] : []),
      ]);
    });
    const heading = this.#helperState ? `Helper tasks (inside ${this.#helperState})` : 'Helper tasks';
    return h('div', { class: 'tasks-box' }, [h('h3', { text: heading }), h('ol', { class: 'task-list' }, rows)]);
  }
}

const LOG_LINES_SHOWN = 20;

function taskStatusAt(task: HelperTask, seq: number): string {
  if (task.startSeq > seq) return 'waiting';
  if (task.endSeq === null || task.endSeq > seq) return 'running';
  return task.status;
}

function stepAtSeq(run: Run, seq: number): Step | undefined {
  let found: Step | undefined;
  for (const step of run.steps) {
    if (step.seq > seq) break;
    found = step;
  }
  return found;
}
