/**
 * An effect is the only way a machine touches the world: a named async
 * function whose input and output are plain data (so they can be traced and
 * replayed), which may report events while it runs (copy progress, helper
 * monitor lines) and which stops when its signal aborts.
 */
export interface EffectContext {
  readonly signal: AbortSignal;
  /** Reports an event to the machine that invoked the effect. */
  emit(event: EffectEvent): void;
}

export interface EffectEvent {
  readonly type: string;
  readonly [key: string]: unknown;
}

export type Effect<I = any, O = any> = (input: I, ctx: EffectContext) => Promise<O>;

export type EffectSet = { readonly [name: string]: Effect };

/** Serializable description of a failed effect, as it appears in a trace. */
export interface EffectFailure {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
}

export function describeFailure(error: unknown): EffectFailure {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { name: error.name, message: error.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { name: 'Error', message: String(error) };
}

/** Rebuilds an error from its traced description (used by replay). */
export function failureToError(failure: EffectFailure): Error {
  const error = new Error(failure.message);
  error.name = failure.name;
  if (failure.code !== undefined) Object.assign(error, { code: failure.code });
  return error;
}

export class AbortedError extends Error {
  override readonly name = 'AbortedError';
  constructor(effect: string) {
    super(`${effect} was aborted`);
  }
}

/** A promise that rejects when the signal aborts; for effects that wait on something external. */
export function untilAborted(signal: AbortSignal, effect: string): Promise<never> {
  return new Promise((_resolve, reject) => {
    const fail = () => reject(new AbortedError(effect));
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
}
