/**
 * A run as the page shows it, precomputed from a trace so that stepping,
 * scrubbing and drawing never walk the trace again. Plain data: it is
 * embedded in the page as JSON.
 */
export interface Step {
  readonly index: number;
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
}
