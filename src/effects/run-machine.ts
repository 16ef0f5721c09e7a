import { createActor, type AnyStateMachine, type Actor } from 'xstate';
import { ROOT_ACTOR, fromEffect, transitionTracer, type PortsOf } from './actors.ts';
import type { Clock } from './clock.ts';
import type { EffectSet } from './effect.ts';
import { recordEffects } from './recording.ts';
import { TRACE_FORMAT, type TraceSink } from './trace.ts';

export interface MachineRun<M extends AnyStateMachine> {
  readonly actor: Actor<M>;
}

/**
 * Starts a machine with its effects provided, on the given clock. With a
 * trace, every transition and every effect call is written to it.
 */
export function startMachine<M extends AnyStateMachine>(
  machine: M,
  effects: PortsOf<M>,
  options: { clock: Clock; trace?: TraceSink; name: string; input?: unknown },
): Actor<M> {
  const port = effects as EffectSet;
  const traced = options.trace ? recordEffects(port, options.trace, options.clock) : port;
  const actors = Object.fromEntries(Object.entries(traced).map(([name, effect]) => [name, fromEffect(effect)]));
  options.trace?.write({
    kind: 'run',
    machine: options.name,
    startedAt: new Date(options.clock.now()).toISOString(),
    format: TRACE_FORMAT,
    ...(options.input !== undefined ? { input: options.input } : {}),
  });
  const actor = createActor(machine.provide({ actors } as never) as M, {
    clock: options.clock,
    systemId: ROOT_ACTOR,
    input: options.input,
    ...(options.trace ? { inspect: transitionTracer(options.trace, options.name) } : {}),
  } as never);
  actor.start();
  return actor as Actor<M>;
}
