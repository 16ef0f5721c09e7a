/// <reference lib="dom" />
import type { EffectCall, HelperTask, Run } from '../run/run.ts';
import { formatTime, h } from './dom.ts';
import { VirtualList } from './virtual-list.ts';

const ROW_HEIGHT = 22;

type Row = { readonly kind: 'call'; readonly call: EffectCall; readonly position: number } | { readonly kind: 'task'; readonly task: HelperTask };

/**
 * Effect calls in the order they were made, each a bar on the run's time
 * axis; the helper's tasks sit under the call that ran the helper VM. The
 * axis scrubs: dragging on it moves to the step at that time.
 */
export class TimelineView {
  readonly element: HTMLElement;
  readonly #rows: readonly Row[];
  readonly #list: VirtualList;
  readonly #axisCursor: HTMLElement;
  readonly #span: number;
  #seq = 0;
  #at = 0;

  constructor(
    private readonly run: Run,
    private readonly divergentCall: number | null,
    onSelectStep: (index: number) => void,
    onScrub: (at: number) => void,
  ) {
    this.#span = Math.max(1, run.durationMs);
    this.#rows = timelineRows(run);
    this.#list = new VirtualList(this.#rows.length, ROW_HEIGHT, (i) => this.#row(i), 'timeline-rows');
    this.#list.element.addEventListener('click', (event) => {
      const row = (event.target as HTMLElement).closest<HTMLElement>('[data-goto-step]');
      if (row) onSelectStep(Number(row.dataset.gotoStep));
    });
    this.#axisCursor = h('div', { class: 'cursor' });
    const track = h('div', { class: 'track axis-track' }, [...ticks(this.#span), this.#axisCursor]);
    const scrub = (event: PointerEvent) => {
      if (event.type === 'pointermove' && event.buttons === 0) return;
      const box = track.getBoundingClientRect();
      onScrub(Math.min(1, Math.max(0, (event.clientX - box.left) / box.width)) * this.#span);
    };
    track.addEventListener('pointerdown', scrub);
    track.addEventListener('pointermove', scrub);
    const axis = h('div', { class: 'timeline-row axis' }, [h('span', { class: 'call-name', text: 'time' }), track, h('span', { class: 'call-duration', text: formatTime(run.durationMs) })]);
    this.element = h('section', { class: 'timeline-view' }, [h('h3', { text: `Effect calls (${run.calls.length})` }), axis, this.#list.element]);
  }

  show(seq: number, at: number): void {
    this.#seq = seq;
    this.#at = at;
    this.#axisCursor.style.left = `${(at / this.#span) * 100}%`;
    this.#list.refresh();
  }

  #row(i: number): HTMLElement {
    const row = this.#rows[i]!;
    return row.kind === 'call' ? this.#callRow(row.call, row.position) : this.#taskRow(row.task);
  }

  #callRow(call: EffectCall, position: number): HTMLElement {
    const end = call.durationMs === null ? this.run.durationMs : call.startAt + call.durationMs;
    const running = call.startSeq <= this.#seq && (call.endSeq === null || call.endSeq > this.#seq);
    const classes = ['timeline-row', 'call', `outcome-${call.outcome}`, running ? 'running' : '', call.startSeq > this.#seq ? 'future' : '', position === this.divergentCall ? 'divergent' : ''];
    const title = [`input: ${call.input}`, call.error ? `${call.error.name}: ${call.error.message}` : '', `${call.eventCount} events`].filter(Boolean).join('\n');
    return h('div', { class: classes.filter(Boolean).join(' '), title, attrs: { 'data-goto-step': String(call.stepIndex), 'data-call': String(call.callId) } }, [
      h('span', { class: 'call-name', text: `#${call.callId} ${call.effect}` }),
      this.#track(call.startAt, end),
      h('span', { class: 'call-duration', text: call.durationMs === null ? 'pending' : formatTime(call.durationMs) }),
    ]);
  }

  #taskRow(task: HelperTask): HTMLElement {
    const started = task.startSeq <= this.#seq;
    const status = !started ? 'future' : task.endSeq !== null && task.endSeq <= this.#seq ? task.status : 'running';
    const end = task.endAt ?? this.run.durationMs;
    return h('div', { class: `timeline-row task task-${status}`, title: task.messages.join('\n') }, [
      h('span', { class: 'call-name', text: `↳ ${task.name}` }),
      this.#track(task.startAt, end),
      h('span', { class: 'call-duration', text: task.endAt === null ? task.status : formatTime(task.endAt - task.startAt) }),
    ]);
  }

  #track(start: number, end: number): HTMLElement {
    const bar = h('div', { class: 'bar' });
    bar.style.left = `${(start / this.#span) * 100}%`;
    bar.style.width = `max(2px, ${((end - start) / this.#span) * 100}%)`;
    const cursor = h('div', { class: 'cursor' });
    cursor.style.left = `${(this.#at / this.#span) * 100}%`;
    return h('div', { class: 'track' }, [bar, cursor]);
  }
}

/** Calls in order, each followed by the helper tasks reported through it (or, for log-borne reports, while it ran). */
function timelineRows(run: Run): Row[] {
  const callStarts = new Set(run.calls.map((c) => c.startSeq));
  const tasksOf = new Map<number, HelperTask[]>();
  for (const task of run.tasks) {
    // A helper trace names its tasks in effect calls: the call row already is the task.
    if (callStarts.has(task.startSeq)) continue;
    const owner = task.callId ?? run.calls.find((c) => c.startSeq <= task.startSeq && (c.endSeq === null || c.endSeq >= task.startSeq))?.callId;
    if (owner === undefined) continue;
    tasksOf.set(owner, [...(tasksOf.get(owner) ?? []), task]);
  }
  return run.calls.flatMap((call, position): Row[] => [{ kind: 'call', call, position }, ...(tasksOf.get(call.callId) ?? []).map((task) => ({ kind: 'task' as const, task }))]);
}

function ticks(span: number): HTMLElement[] {
  return [0, 0.25, 0.5, 0.75].map((f) => {
    const tick = h('span', { class: 'tick', text: formatTime(f * span) });
    tick.style.left = `${f * 100}%`;
    return tick;
  });
}
