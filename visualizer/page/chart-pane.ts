/// <reference lib="dom" />
import type { ChartView } from '../page-data.ts';
import { h } from './dom.ts';

/** The machine's chart with the step's active states lit; a failure state reached turns red. */
export class ChartPane {
  readonly element: HTMLElement;
  readonly #scroller: HTMLElement;
  readonly #states = new Map<string, SVGGElement>();
  #lit: SVGGElement[] = [];
  #shown = '';

  constructor(chart: ChartView | undefined, machine: string) {
    this.#scroller = h('div', { class: 'chart-pane' });
    this.element = h('section', { class: 'chart-frame' }, [this.#scroller]);
    if (!chart) {
      this.#scroller.append(h('p', { class: 'no-chart', text: `No chart is known for the machine "${machine}"; the steps still name its states.` }));
      return;
    }
    // The SVG was drawn at build time from the machine itself; it is trusted markup.
    this.#scroller.innerHTML = chart.svg;
    this.element.append(this.#zoomButton());
    for (const g of this.#scroller.querySelectorAll<SVGGElement>('g.state[data-path]')) this.#states.set(g.dataset.path ?? '', g);
  }

  show(paths: readonly string[], failed: boolean): void {
    // Most steps (progress, monitor messages) stay in the same state: nothing to redraw.
    const key = `${paths.join(',')}|${failed}`;
    if (key === this.#shown) return;
    this.#shown = key;
    for (const g of this.#lit) g.classList.remove('active', 'leaf', 'failed-now');
    this.#lit = [];
    const leaves = paths.filter((p) => !paths.some((other) => other.startsWith(`${p}.`)));
    for (const path of paths) {
      const g = this.#states.get(path);
      if (!g) continue;
      g.classList.add('active');
      if (leaves.includes(path)) g.classList.add('leaf');
      if (failed && g.classList.contains('failure')) g.classList.add('failed-now');
      this.#lit.push(g);
    }
    const leaf = this.#states.get(leaves[0] ?? '');
    if (leaf) this.#reveal(leaf);
  }

  /** Switches between the chart at full size and the whole chart fitted to the pane. */
  #zoomButton(): HTMLElement {
    const button = h('button', { class: 'zoom', text: 'fit', title: 'fit the whole chart in the pane, or show it at full size' });
    button.addEventListener('click', () => {
      const fitted = this.#scroller.classList.toggle('fitted');
      button.textContent = fitted ? '100%' : 'fit';
      const leaf = this.#lit.find((g) => g.classList.contains('leaf'));
      if (leaf) this.#reveal(leaf);
    });
    return button;
  }

  /** Keeps the active state in view when the chart is larger than its pane. */
  #reveal(g: SVGGElement): void {
    const pane = this.#scroller.getBoundingClientRect();
    const box = g.getBoundingClientRect();
    if (box.left < pane.left || box.right > pane.right) this.#scroller.scrollLeft += box.left - pane.left - pane.width / 2 + box.width / 2;
    if (box.top < pane.top || box.bottom > pane.bottom) this.#scroller.scrollTop += box.top - pane.top - pane.height / 2 + box.height / 2;
  }
}
