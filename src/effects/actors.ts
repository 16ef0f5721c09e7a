import { fromPromise, type AnyActorRef, type InspectionEvent, type Observer } from 'xstate';
import type { Effect, EffectEvent } from './effect.ts';
import type { TraceSink } from './trace.ts';

/** The system id every machine of ours runs under; effects send their events to it. */
export const ROOT_ACTOR = 'root';

/**
 * Turns an effect into an XState promise actor. Events the effect emits go to
 * the root machine; leaving the invoking state aborts the effect's signal.
 */
export function fromEffect<I, O>(effect: Effect<I, O>) {
  return fromPromise<O, I>(({ input, signal, system }) =>
    effect(input, {
      signal,
      emit: (event: EffectEvent) => (system.get(ROOT_ACTOR) as AnyActorRef | undefined)?.send(event),
    }),
  );
}

/** Actors of a machine that stand for effects; `provide` swaps them for real ones. */
export function effectPlaceholder<I, O>(name: string) {
  return fromPromise<O, I>(async () => {
    throw new Error(`effect ${name} was not provided`);
  });
}

/** Writes every transition of the root machine to the trace (XState's inspection API). */
export function transitionTracer(trace: TraceSink, machine: string): Observer<InspectionEvent> {
  return {
    next: (event) => {
      if (event.type !== '@xstate.snapshot') return;
      if (event.actorRef.sessionId !== event.rootId) return;
      const snapshot = event.snapshot as { value?: unknown; status: string };
      trace.write({ kind: 'transition', machine, event: event.event as { type: string }, state: snapshot.value, status: snapshot.status });
    },
  };
}
