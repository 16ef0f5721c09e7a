import { AbortedError, type Effect } from '../effects/effect.ts';
import type { Resource } from '../../machines/host/ports.ts';

/**
 * Closes the abort race of an effect that takes resources: when the run is
 * aborted while it works, the machine has already gone on to releasing and
 * never sees its result, so the effect gives back what it took itself, newest
 * first, before it rejects. The check runs in the same turn as the machine
 * would take the result, so no abort can land in between.
 */
export function releasedWhenAborted<I, O extends { readonly resources: readonly Resource[] }>(
  name: string,
  effect: Effect<I, O>,
  release: Effect<Resource, void>,
): Effect<I, O> {
  return async (input, ctx) => {
    const output = await effect(input, ctx);
    if (!ctx.signal.aborted) return output;
    // The run's own signal is aborted: releasing must not stop at it.
    const releaseContext = { signal: new AbortController().signal, emit: () => {} };
    const errors: unknown[] = [];
    for (const resource of [...output.resources].reverse()) await release(resource, releaseContext).catch((error: unknown) => errors.push(error));
    if (errors.length > 0) throw new AggregateError(errors, `${name} was aborted, and ${errors.length} of the resources it took could not be released`);
    throw new AbortedError(name);
  };
}
