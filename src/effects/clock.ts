/**
 * Time as the machines and the tracer see it. XState's actor system takes the
 * same setTimeout/clearTimeout pair, so one clock drives both the machines'
 * delays and the timestamps of the trace.
 */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
}

export const realClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id as NodeJS.Timeout),
};
