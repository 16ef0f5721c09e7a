import { fromPromise, type AnyActorRef, type AnyStateMachine, type InspectionEvent, type Observer, type PromiseActorLogic } from 'xstate';
import type { Effect, EffectEvent, EffectSet } from './effect.ts';
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

type EffectInput<E> = E extends Effect<infer I, unknown> ? I : never;
type EffectOutput<E> = E extends Effect<never, infer O> ? O : never;

/** The actors standing for a port's effects, typed from the port; `provide` swaps them for real ones. */
export type EffectPlaceholders<P extends EffectSet> = { [K in keyof P]: PromiseActorLogic<EffectOutput<P[K]>, EffectInput<P[K]>> };

export function effectPlaceholders<P extends EffectSet>(names: readonly (keyof P & string)[]): EffectPlaceholders<P> {
  const placeholder = (name: string) =>
    fromPromise(async () => {
      throw new Error(`effect ${name} was not provided`);
    });
  return Object.fromEntries(names.map((name) => [name, placeholder(name)])) as EffectPlaceholders<P>;
}

/**
 * A machine that carries the type of its port, so that startMachine takes
 * exactly the effects the machine invokes and a machine and its adapters
 * cannot disagree. The port is a type only: nothing is added at run time.
 */
export type PortedMachine<M extends AnyStateMachine, P extends EffectSet> = M & { readonly '~ports'?: P };

export function withPorts<P extends EffectSet>() {
  return <M extends AnyStateMachine>(machine: M): PortedMachine<M, P> => machine;
}

/** The port a machine made with `withPorts` invokes. */
export type PortsOf<M> = M extends { readonly '~ports'?: infer P } ? NonNullable<P> : never;

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
