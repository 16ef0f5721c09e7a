import type { Run, Step } from './run.ts';

/** Where two runs of the same machine part ways: the first step at which the event or the state differs. */
export interface Divergence {
  readonly stepIndex: number;
  /** The step of each run at that point; null where a run had already ended. */
  readonly left: Step | null;
  readonly right: Step | null;
  /** The first effect call (by position) that differs in effect or outcome, if any. */
  readonly callIndex: number | null;
  readonly summary: string;
}

export function findDivergence(left: Run, right: Run): Divergence | null {
  const length = Math.max(left.steps.length, right.steps.length);
  let stepIndex = -1;
  for (let i = 0; i < length; i++) {
    const a = left.steps[i];
    const b = right.steps[i];
    if (!a || !b || a.event !== b.event || a.state !== b.state || a.status !== b.status) {
      stepIndex = i;
      break;
    }
  }
  if (stepIndex === -1) return null;
  const leftStep = left.steps[stepIndex] ?? null;
  const rightStep = right.steps[stepIndex] ?? null;
  return {
    stepIndex,
    left: leftStep,
    right: rightStep,
    callIndex: firstDifferentCall(left, right),
    summary: `the runs diverge at step ${stepIndex + 1}: ${describe(leftStep)} vs ${describe(rightStep)}`,
  };
}

function firstDifferentCall(left: Run, right: Run): number | null {
  const length = Math.max(left.calls.length, right.calls.length);
  for (let i = 0; i < length; i++) {
    const a = left.calls[i];
    const b = right.calls[i];
    if (!a || !b || a.effect !== b.effect || a.outcome !== b.outcome) return i;
  }
  return null;
}

function describe(step: Step | null): string {
  return step === null ? '(run ended)' : `${step.event} → ${step.state}`;
}
