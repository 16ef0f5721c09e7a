import type { Clock } from './clock.ts';

interface Timer {
  readonly id: number;
  readonly due: number;
  /** Fires after the other timers due at the same time. */
  readonly late: boolean;
  readonly fn: () => void;
}

/**
 * A clock that moves only when told to. Machines run on it in tests and in
 * replay: `runUntil` lets every pending promise settle, then jumps to the next
 * timer, so a 120 s timeout takes no real time and fires in the same order
 * relative to the effects as it did in the recorded run.
 */
export class VirtualClock implements Clock {
  #now = 0;
  #nextId = 1;
  #timers: Timer[] = [];

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): number {
    return this.#add(fn, ms, false);
  }

  /**
   * Calls `fn` at time `t`, after any other timer due then. Replay delivers
   * recorded outcomes this way: an outcome recorded at the instant a machine
   * timer fired was caused by it, so it must come second.
   */
  at(t: number, fn: () => void): number {
    return this.#add(fn, t - this.#now, true);
  }

  #add(fn: () => void, ms: number, late: boolean): number {
    const id = this.#nextId++;
    this.#timers.push({ id, due: this.#now + Math.max(0, ms), late, fn });
    return id;
  }

  clearTimeout(id: unknown): void {
    this.#timers = this.#timers.filter((t) => t.id !== id);
  }

  /** Moves time forwards by `ms`, firing every timer that falls due on the way, in order. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    for (;;) {
      await settle();
      const next = this.#earliest();
      if (!next || next.due > target) break;
      this.#fire(next);
    }
    this.#now = target;
    await settle();
  }

  /** Settles pending work and fires timers in due order until `done()` or nothing is left to wait for. */
  async runUntil(done: () => boolean, limitMs = 24 * 3600_000): Promise<boolean> {
    for (;;) {
      await settle();
      if (done()) return true;
      const next = this.#earliest();
      if (!next || next.due > limitMs) return false;
      this.#fire(next);
    }
  }

  #earliest(): Timer | undefined {
    const before = (a: Timer, b: Timer) => a.due < b.due || (a.due === b.due && !a.late && b.late);
    return this.#timers.reduce<Timer | undefined>((best, t) => (!best || before(t, best) ? t : best), undefined);
  }

  #fire(timer: Timer): void {
    this.#timers = this.#timers.filter((t) => t !== timer);
    this.#now = Math.max(this.#now, timer.due);
    timer.fn();
  }
}

/** Lets queued promise callbacks and immediates run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}
