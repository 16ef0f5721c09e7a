/// <reference lib="dom" />
import { findDivergence } from '../run/divergence.ts';
import type { PageData } from '../page-data.ts';
import { h } from './dom.ts';
import { runFromFile } from './open-trace.ts';
import { RunPane } from './run-pane.ts';

/**
 * The page: one run, or two side by side on the same step with the point
 * where they part marked. Stepping, the slider, the timelines' axes and the
 * keyboard all move one shared step index.
 */
export function mountApp(root: HTMLElement, data: PageData): void {
  const [left, right] = data.runs;
  const divergence = left && right ? findDivergence(left.run, right.run) : null;
  let index = 0;

  const panes = data.runs.map((r) => new RunPane(r, data.charts.find((c) => c.machine === r.run.machine), divergence, (i) => go(i)));
  const stepCount = Math.max(1, ...panes.map((p) => p.stepCount));
  const slider = h('input', { class: 'scrubber', attrs: { type: 'range', min: '0', max: String(stepCount - 1), value: '0', 'aria-label': 'step' } });
  const position = h('span', { class: 'position' });
  const button = (label: string, title: string, action: () => void) => {
    const b = h('button', { text: label, title });
    b.addEventListener('click', action);
    return b;
  };
  const failureStep = data.runs.map((r) => r.run.failure?.causeStepIndex).find((i) => i !== undefined);

  const go = (requested: number) => {
    index = Math.max(0, Math.min(stepCount - 1, requested));
    slider.value = String(index);
    position.textContent = `step ${index + 1} / ${stepCount}`;
    for (const pane of panes) pane.show(index);
  };
  slider.addEventListener('input', () => go(Number(slider.value)));

  const controls = h('nav', { class: 'controls' }, [
    button('⏮', 'first step (Home)', () => go(0)),
    button('◀', 'previous step (←)', () => go(index - 1)),
    button('▶', 'next step (→)', () => go(index + 1)),
    button('⏭', 'last step (End)', () => go(stepCount - 1)),
    position,
    slider,
    ...(failureStep !== undefined ? [button('go to failure', 'the step that set the failure off', () => go(failureStep))] : []),
    ...(divergence ? [button('go to divergence', divergence.summary, () => go(divergence.stepIndex))] : []),
    fileButton('open trace…', async (file) => mountApp(root, { ...data, runs: [await runFromFile(file, data.charts)] })),
    fileButton('compare with…', async (file) => mountApp(root, { ...data, runs: [data.runs[0]!, await runFromFile(file, data.charts)] })),
  ]);

  const banner = divergence ? [h('div', { class: 'divergence-banner', attrs: { role: 'status' }, text: divergence.summary })] : [];
  root.replaceChildren(
    h('header', { class: 'page-header' }, [h('h1', { text: data.runs.length === 2 ? 'Two runs compared' : 'Run replay' }), controls]),
    ...banner,
    h('main', { class: `runs runs-${panes.length}` }, panes.map((p) => p.element)),
  );
  document.onkeydown = (event) => {
    if (event.target instanceof HTMLInputElement && event.target.type !== 'range') return;
    const moves: Record<string, number> = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: stepCount - 1, PageDown: index + 20, PageUp: index - 20 };
    const target = moves[event.key];
    if (target === undefined) return;
    event.preventDefault();
    go(target);
  };
  go(0);
}

function fileButton(label: string, open: (file: File) => Promise<void>): HTMLElement {
  const input = h('input', { attrs: { type: 'file', accept: '.jsonl,.json,.trace,.log,text/plain' } });
  const error = h('span', { class: 'open-error' });
  input.addEventListener('change', () => {
    const file = input.files?.[0];
    if (file) open(file).catch((e: unknown) => (error.textContent = `${file.name}: ${e instanceof Error ? e.message : String(e)}`));
  });
  return h('label', { class: 'file-button' }, [label, input, error]);
}

