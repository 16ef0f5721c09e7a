import { isDeepStrictEqual } from 'node:util';
import { failureToError, untilAborted, type Effect, type EffectSet } from './effect.ts';
import { redacted } from './secret.ts';
import type { TraceEvent } from './trace.ts';
import type { VirtualClock } from './virtual-clock.ts';

type CallEvent = Extract<TraceEvent, { kind: 'effect.call' }>;
type EventEvent = Extract<TraceEvent, { kind: 'effect.event' }>;
type ResultEvent = Extract<TraceEvent, { kind: 'effect.result' }>;

interface RecordedCall {
  readonly call: CallEvent;
  readonly events: readonly EventEvent[];
  readonly result: ResultEvent | undefined;
}

export interface Divergence {
  readonly effect: string;
  readonly message: string;
  readonly expected?: unknown;
  readonly actual?: unknown;
}

export class DivergenceError extends Error {
  override readonly name = 'DivergenceError';
}

/**
 * Effects that answer from a recorded trace instead of the world. Each call
 * must match the next recorded call of that effect, input included; its
 * recorded events and outcome are then played back at their recorded times
 * on the given clock. Anything else is a divergence, kept in `divergences`
 * and thrown into the machine.
 */
export function replayEffects<S extends EffectSet>(trace: readonly TraceEvent[], clock: VirtualClock) {
  const queues = new Map<string, RecordedCall[]>();
  for (const event of trace) {
    if (event.kind !== 'effect.call') continue;
    const events = trace.filter((e): e is EventEvent => e.kind === 'effect.event' && e.callId === event.callId);
    const result = trace.find((e): e is ResultEvent => e.kind === 'effect.result' && e.callId === event.callId);
    const queue = queues.get(event.effect) ?? [];
    queue.push({ call: event, events, result });
    queues.set(event.effect, queue);
  }
  const divergences: Divergence[] = [];
  const diverge = (d: Divergence): never => {
    divergences.push(d);
    throw new DivergenceError(`${d.effect}: ${d.message}`);
  };
  const at = (t: number) => new Promise<void>((resolve) => clock.at(t, resolve));

  const replay = (name: string): Effect => async (input, ctx) => {
    const recorded = queues.get(name)?.shift();
    if (!recorded) return diverge({ effect: name, message: 'called more often than in the recorded run', actual: redacted(input) });
    const actual = redacted(input);
    if (!isDeepStrictEqual(actual, recorded.call.input)) {
      return diverge({ effect: name, message: 'called with a different input than in the recorded run', expected: recorded.call.input, actual });
    }
    for (const event of recorded.events) {
      await at(event.at);
      ctx.emit(event.event as { type: string });
    }
    if (!recorded.result) return untilAborted(ctx.signal, name);
    await at(recorded.result.at);
    const { outcome } = recorded.result;
    if (outcome.ok) return outcome.output;
    if (outcome.error.name === 'AbortedError') return untilAborted(ctx.signal, name);
    throw failureToError(outcome.error);
  };

  const effects = new Proxy({} as Record<string, Effect>, {
    get: (cache, name) => (typeof name === 'string' ? (cache[name] ??= replay(name)) : undefined),
  }) as unknown as S;

  const unplayed = () => [...queues.entries()].flatMap(([effect, q]) => q.map(() => effect));
  return { effects, divergences, unplayed };
}
