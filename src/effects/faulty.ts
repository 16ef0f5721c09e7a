import { untilAborted, type Effect, type EffectSet } from './effect.ts';

export type Fault = 'fail' | 'hang';

export interface FaultPlan {
  /** The effect to disturb. */
  readonly effect: string;
  /** Which of its calls, counting from 1. */
  readonly call: number;
  readonly fault: Fault;
  readonly message?: string;
}

export class InjectedFault extends Error {
  override readonly name = 'InjectedFault';
}

/**
 * Wraps an effect set so that the n-th call of one effect fails, or hangs
 * until the machine aborts it (leaves the state that invoked it).
 */
export function injectFault<S extends EffectSet>(effects: S, plan: FaultPlan): S {
  let calls = 0;
  const target = effects[plan.effect];
  if (!target) throw new Error(`no effect named ${plan.effect} to inject a fault into`);
  const disturbed: Effect = async (input, ctx) => {
    calls += 1;
    if (calls !== plan.call) return target(input, ctx);
    if (plan.fault === 'hang') return untilAborted(ctx.signal, plan.effect);
    throw new InjectedFault(plan.message ?? `injected failure of ${plan.effect} (call ${plan.call})`);
  };
  return { ...effects, [plan.effect]: disturbed };
}
