/// <reference lib="dom" />
import { h } from './dom.ts';

const OVERSCAN = 8;

/**
 * A scrolling list that only builds the rows in view, so a trace of ten
 * thousand events scrolls and steps as fast as one of ten.
 */
export class VirtualList {
  readonly element: HTMLDivElement;
  readonly #spacer: HTMLDivElement;
  #scheduled = false;

  constructor(
    private readonly count: number,
    private readonly rowHeight: number,
    private readonly renderRow: (index: number) => HTMLElement,
    className: string,
  ) {
    this.#spacer = h('div', { class: 'virtual-spacer' });
    this.#spacer.style.height = `${count * rowHeight}px`;
    this.element = h('div', { class: `virtual-list ${className}` }, [this.#spacer]);
    this.element.addEventListener('scroll', () => this.#schedule());
  }

  /** Rebuilds the rows in view, e.g. after the current step changed. */
  refresh(): void {
    const top = this.element.scrollTop;
    const height = this.element.clientHeight || 400;
    const first = Math.max(0, Math.floor(top / this.rowHeight) - OVERSCAN);
    const last = Math.min(this.count - 1, Math.ceil((top + height) / this.rowHeight) + OVERSCAN);
    const rows: HTMLElement[] = [];
    for (let i = first; i <= last; i++) {
      const row = this.renderRow(i);
      row.classList.add('virtual-row');
      row.style.top = `${i * this.rowHeight}px`;
      row.style.height = `${this.rowHeight}px`;
      rows.push(row);
    }
    this.#spacer.replaceChildren(...rows);
  }

  /** Scrolls just enough for the row to be in view. */
  reveal(index: number): void {
    const top = index * this.rowHeight;
    const view = this.element;
    if (top < view.scrollTop) view.scrollTop = top;
    else if (top + this.rowHeight > view.scrollTop + view.clientHeight) view.scrollTop = top + this.rowHeight - view.clientHeight;
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    requestAnimationFrame(() => {
      this.#scheduled = false;
      this.refresh();
    });
  }
}
