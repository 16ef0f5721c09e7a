import type { Clock } from './clock.ts';
import { describeFailure, type Effect, type EffectSet } from './effect.ts';
import type { TraceSink } from './trace.ts';

/** Wraps every effect of a set so each call, event and outcome lands in the trace. */
export function recordEffects<S extends EffectSet>(effects: S, trace: TraceSink, clock: Clock): S {
  let nextCallId = 0;
  const wrapped: Record<string, Effect> = {};
  for (const [name, effect] of Object.entries(effects)) {
    wrapped[name] = async (input, ctx) => {
      const callId = nextCallId++;
      const started = clock.now();
      trace.write({ kind: 'effect.call', callId, effect: name, input });
      const emit: typeof ctx.emit = (event) => {
        trace.write({ kind: 'effect.event', callId, effect: name, event });
        ctx.emit(event);
      };
      try {
        const output = await effect(input, { signal: ctx.signal, emit });
        trace.write({ kind: 'effect.result', callId, effect: name, durationMs: Math.round(clock.now() - started), outcome: { ok: true, output: output ?? null } });
        return output;
      } catch (error) {
        trace.write({ kind: 'effect.result', callId, effect: name, durationMs: Math.round(clock.now() - started), outcome: { ok: false, error: describeFailure(error) } });
        throw error;
      }
    };
  }
  return wrapped as S;
}
