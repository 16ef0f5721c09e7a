/// <reference lib="dom" />
import type { ChartView } from '../page-data.ts';
import { h } from './dom.ts';

interface DrawnEdge {
  readonly element: SVGGElement;
  readonly sourcePath: string;
  readonly targetPath: string;
  readonly event: string;
}

/**
 * The machine's chart with the step's active states lit and the transition
 * that led there drawn bold; a failure state reached turns red.
 */
export class ChartPane {
  readonly element: HTMLElement;
  readonly #scroller: HTMLElement;
  readonly #states = new Map<string, SVGGElement>();
  readonly #edges: DrawnEdge[] = [];
  #lit: Element[] = [];
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
    const pathOf = new Map<string, string>();
    for (const g of this.#scroller.querySelectorAll<SVGGElement>('g.state[data-path]')) {
      this.#states.set(g.dataset.path ?? '', g);
      pathOf.set(g.dataset.id ?? '', g.dataset.path ?? '');
    }
    for (const g of this.#scroller.querySelectorAll<SVGGElement>('g.transition')) {
      const { source = '', target = '', event = '' } = g.dataset;
      this.#edges.push({ element: g, sourcePath: pathOf.get(source) ?? '', targetPath: pathOf.get(target) ?? '', event });
    }
  }

  /** `event` is the step's event as the chart labels it; `previous` the states active before the step. */
  show(paths: readonly string[], failed: boolean, event: string, previous: readonly string[]): void {
    // Most steps (progress, monitor messages) stay in the same state: nothing to redraw.
    const key = `${paths.join(',')}|${failed}|${event}|${previous.join(',')}`;
    if (key === this.#shown) return;
    this.#shown = key;
    for (const element of this.#lit) element.classList.remove('active', 'leaf', 'failed-now', 'taken');
    this.#lit = [];
    for (const edge of this.#edges) {
      if (edge.event !== event || !previous.includes(edge.sourcePath) || !paths.includes(edge.targetPath)) continue;
      edge.element.classList.add('taken');
      this.#lit.push(edge.element);
    }
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
  #reveal(g: Element): void {
    const pane = this.#scroller.getBoundingClientRect();
    const box = g.getBoundingClientRect();
    if (box.left < pane.left || box.right > pane.right) this.#scroller.scrollLeft += box.left - pane.left - pane.width / 2 + box.width / 2;
    if (box.top < pane.top || box.bottom > pane.bottom) this.#scroller.scrollTop += box.top - pane.top - pane.height / 2 + box.height / 2;
  }
}
