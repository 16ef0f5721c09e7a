import type { EffectEvent } from '../../effects/effect.ts';

/**
 * The `copy.progress` event, shaped as snf-image's image-copy-progress
 * message: bytes written, bytes expected and the percentage rounded to two
 * decimals (0 when the total is 0). Without a known total (a download with
 * no Content-Length) only the position is given.
 */
export interface CopyProgressEvent extends EffectEvent {
  readonly type: 'copy.progress';
  readonly position: number;
  readonly total?: number;
  readonly progress?: number;
}

export function copyProgressEvent(position: number, total: number | undefined): CopyProgressEvent {
  if (total === undefined) return { type: 'copy.progress', position };
  const progress = total === 0 ? 0 : Math.round((position / total) * 10000) / 100;
  return { type: 'copy.progress', position, total, progress };
}

/** Emits progress at most once an interval while the copy runs (as copy-monitor.py's alarm), and once at the end. */
export class ProgressReporter {
  #lastReport: number;

  constructor(
    private readonly total: number | undefined,
    private readonly intervalMs: number,
    private readonly emit: (event: CopyProgressEvent) => void,
    private readonly now: () => number,
  ) {
    this.#lastReport = now();
  }

  advanced(position: number): void {
    const now = this.now();
    if (now - this.#lastReport < this.intervalMs) return;
    this.#lastReport = now;
    this.emit(copyProgressEvent(position, this.total));
  }

  finished(position: number): void {
    this.emit(copyProgressEvent(position, this.total));
  }
}
