/// <reference lib="dom" />
import { findDivergence } from '../run/divergence.ts';
import type { PageData } from '../page-data.ts';
import { h } from './dom.ts';
import { runFromFile } from './open-trace.ts';
import { RunPane } from './run-pane.ts';

/**
 * The page: one run, or two side by side with the point where they part
 * marked. Each run keeps its own current step, since two runs of the same
 * deployment rarely take the same number of steps; the buttons, the slider
 * and the keyboard move both, a click in a run's lists moves that run.
 */
export function mountApp(root: HTMLElement, data: PageData): void {
  const [left, right] = data.runs;
  const divergence = left && right ? findDivergence(left.run, right.run) : null;
  const divergentSteps = divergence ? [divergence.leftStep, divergence.rightStep] : [];

  const panes = data.runs.map(
    (r, k) =>
      new RunPane(r, data.charts, { step: divergentSteps[k] ?? null, call: divergence?.callIndex ?? null }, (i) =>
        show(indices.map((current, j) => (j === k ? i : current))),
      ),
  );
  let indices = panes.map(() => 0);
  const longest = Math.max(1, ...panes.map((p) => p.stepCount));
  const slider = h('input', { class: 'scrubber', attrs: { type: 'range', min: '0', max: String(longest - 1), value: '0', 'aria-label': 'step' } });
  const position = h('span', { class: 'position' });

  // Input only moves the indices; drawing happens once per frame, so holding
  // an arrow key on a trace of ten thousand steps never queues up work.
  let drawing = false;
  function show(next: readonly number[]): void {
    indices = next.map((i, k) => Math.max(0, Math.min(panes[k]!.stepCount - 1, i)));
    slider.value = String(indices[0]);
    position.textContent = indices.map((i, k) => `${i + 1} / ${panes[k]!.stepCount}`).join(' · ');
    if (drawing) return;
    drawing = true;
    requestAnimationFrame(() => {
      drawing = false;
      panes.forEach((pane, k) => pane.show(indices[k]!));
    });
  }
  const showAll = (i: number) => show(panes.map(() => i));
  const moveAll = (by: number) => show(indices.map((i) => i + by));
  slider.addEventListener('input', () => showAll(Number(slider.value)));

  const button = (label: string, title: string, action: () => void) => {
    const b = h('button', { text: label, title });
    b.addEventListener('click', action);
    return b;
  };
  const failing = data.runs.some((r) => r.run.failure !== null);
  const controls = h('nav', { class: 'controls' }, [
    button('|◀', 'first step (Home)', () => showAll(0)),
    button('◀', 'previous step (←)', () => moveAll(-1)),
    button('▶', 'next step (→)', () => moveAll(1)),
    button('▶|', 'last step (End)', () => showAll(longest - 1)),
    h('span', { class: 'position-label', text: 'step' }),
    position,
    slider,
    ...(failing ? [button('go to failure', 'the step that set the failure off', () => show(data.runs.map((r, k) => r.run.failure?.causeStepIndex ?? indices[k]!)))] : []),
    ...(divergence ? [button('go to divergence', divergence.summary, () => show(divergentSteps))] : []),
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
    const moves: Record<string, () => void> = {
      ArrowRight: () => moveAll(1),
      ArrowLeft: () => moveAll(-1),
      PageDown: () => moveAll(20),
      PageUp: () => moveAll(-20),
      Home: () => showAll(0),
      End: () => showAll(longest - 1),
    };
    const move = moves[event.key];
    if (!move) return;
    event.preventDefault();
    move();
  };
  showAll(0);
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
