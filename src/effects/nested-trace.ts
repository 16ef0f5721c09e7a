import type { TraceEvent } from './trace.ts';

// Kept apart from trace.ts, which reads and writes files: the visualizer's page uses these in the browser.

/** The events of the machine itself: what it traced, nested events left out. */
export function ownEvents(trace: readonly TraceEvent[]): TraceEvent[] {
  return trace.filter((e) => e.kind !== 'nested');
}

/** The events of the nested machines (or of one, by name), as they traced them. */
export function nestedEvents(trace: readonly TraceEvent[], machine?: string): TraceEvent[] {
  return trace.flatMap((e) => (e.kind === 'nested' && (machine === undefined || e.machine === machine) ? [e.event as TraceEvent] : []));
}
