/**
 * A run as the page shows it, precomputed from a trace so that stepping,
 * scrubbing and drawing never walk the trace again. The steps of a machine
 * nested in the run (the helper's) are merged in, in the order they reached
 * the host, so one step at a time moves through both charts. Plain data: it
 * is embedded in the page as JSON.
 */
export interface Step {
  readonly index: number;
  /** The machine whose transition this is: the run's own, or the one nested in it (the helper). */
  readonly machine: string;
  readonly seq: number;
  /** Milliseconds since the run started. */
  readonly at: number;
  /** The event that caused the transition, e.g. `helper.monitor`. */
  readonly event: string;
  /** The event's other fields, shortened, for the step's details. */
  readonly detail: string;
  /** What the helper reported, when the event carries a monitor message: `start MountImage`, `error`. */
  readonly monitor: string | null;
  /** Every active state as a dotted path, ancestors included. */
  readonly paths: readonly string[];
  /** The innermost active states, joined: `copying.streaming`. */
  readonly state: string;
  /** The actor's status after the step: active, done, error or stopped. */
  readonly status: string;
  /** The nested machine's active states at this step; null before it started, or in a run without one. */
  readonly nestedPaths: readonly string[] | null;
}

/** A machine that ran inside one state of the run's machine (the helper, inside runningHelper). */
export interface NestedRun {
  readonly machine: string;
  /** The state of the run's machine it ran in, as a dotted path. */
  readonly under: string;
  /** The step at which it reached one of its failure states, when it did. */
  readonly failureStepIndex: number | null;
}

export type Outcome = 'ok' | 'error' | 'pending';

export interface Failure {
  readonly name: string;
  readonly message: string;
}

export interface EffectCall {
  readonly callId: number;
  readonly effect: string;
  /** The input as JSON, shortened. */
  readonly input: string;
  readonly startSeq: number;
  readonly startAt: number;
  readonly endSeq: number | null;
  readonly durationMs: number | null;
  readonly outcome: Outcome;
  readonly error: Failure | null;
  readonly eventCount: number;
  /** The step the call belongs to: the transition into the state that invoked it. */
  readonly stepIndex: number;
}

export interface HelperTask {
  readonly name: string;
  /** The effect call that ran the helper VM, when the reports came through one. */
  readonly callId: number | null;
  readonly startSeq: number;
  readonly startAt: number;
  readonly endSeq: number | null;
  readonly endAt: number | null;
  readonly status: 'running' | 'done' | 'failed';
  readonly messages: readonly string[];
}

export interface RunFailure {
  /** The step at which the run reached its failure state (or stopped with an error). */
  readonly stepIndex: number;
  /** The step whose event set the failure going: usually the error of an effect. */
  readonly causeStepIndex: number;
  readonly state: string;
  readonly error: Failure;
  /** The effect call that failed, when one did. */
  readonly callId: number | null;
}

export interface LogLine {
  readonly seq: number;
  readonly at: number;
  readonly level: string;
  readonly msg: string;
}

export interface Run {
  readonly machine: string;
  readonly startedAt: string | null;
  readonly durationMs: number;
  readonly eventCount: number;
  readonly steps: readonly Step[];
  readonly calls: readonly EffectCall[];
  readonly tasks: readonly HelperTask[];
  readonly logs: readonly LogLine[];
  readonly failure: RunFailure | null;
  readonly nested: NestedRun | null;
}
