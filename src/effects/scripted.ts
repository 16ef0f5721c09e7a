import type { Effect, EffectContext, EffectSet } from './effect.ts';

/**
 * One scripted step of an effect: a value to return, an error to throw, or a
 * function that plays a whole call (emitting events, waiting on the signal).
 */
export type Step<I = any, O = any> =
  | { readonly output: O }
  | { readonly error: Error }
  | { readonly play: (input: I, ctx: EffectContext) => Promise<O> };

export type Script = { readonly [effect: string]: Step | readonly Step[] };

export class UnscriptedCall extends Error {
  override readonly name = 'UnscriptedCall';
}

/**
 * Effects that answer from a script and remember every call. A single step
 * answers every call; a list answers calls in turn and the last one repeats.
 */
export function scriptedEffects<S extends EffectSet>(names: readonly (keyof S & string)[], script: Script) {
  const calls: { effect: string; input: unknown }[] = [];
  const effects: Record<string, Effect> = {};
  for (const name of names) {
    let n = 0;
    effects[name] = async (input, ctx) => {
      calls.push({ effect: name, input });
      const entry = script[name];
      if (entry === undefined) throw new UnscriptedCall(`${name} was called but the script has no answer for it`);
      const steps: readonly Step[] = Array.isArray(entry) ? entry : [entry as Step];
      const step = steps[Math.min(n++, steps.length - 1)]!;
      if ('play' in step) return step.play(input, ctx);
      if ('error' in step) throw step.error;
      return step.output;
    };
  }
  return { effects: effects as unknown as S, calls };
}
