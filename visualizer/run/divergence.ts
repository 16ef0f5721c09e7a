import type { Run, Step } from './run.ts';

/**
 * Where two runs of the same machine part ways. Runs of one deployment
 * differ in how often repeated events come (copy progress, say), so steps
 * are compared after folding each stretch of identical steps into one; the
 * divergence is then the first step of the first stretch that differs, in
 * each run.
 */
export interface Divergence {
  /** The diverging step of each run; the last step where a run had already ended. */
  readonly leftStep: number;
  readonly rightStep: number;
  /** The first effect call (by position) that differs in effect or outcome, if any. */
  readonly callIndex: number | null;
  readonly summary: string;
}

interface Stretch {
  readonly key: string;
  readonly first: Step;
}

export function findDivergence(left: Run, right: Run): Divergence | null {
  const a = stretches(left.steps);
  const b = stretches(right.steps);
  const length = Math.max(a.length, b.length);
  for (let i = 0; i < length; i++) {
    if (a[i]?.key === b[i]?.key) continue;
    const leftStep = a[i]?.first ?? null;
    const rightStep = b[i]?.first ?? null;
    return {
      leftStep: leftStep?.index ?? left.steps.length - 1,
      rightStep: rightStep?.index ?? right.steps.length - 1,
      callIndex: firstDifferentCall(left, right),
      summary: `The runs diverge at step ${describe(leftStep)} vs step ${describe(rightStep)}`,
    };
  }
  return null;
}

/** What makes a step the same in another run: its event, where it led, and what the helper reported with it. */
function keyOf(step: Step): string {
  return [step.event, step.state, step.status, step.monitor ?? ''].join('|');
}

function stretches(steps: readonly Step[]): Stretch[] {
  const result: Stretch[] = [];
  for (const step of steps) {
    const key = keyOf(step);
    if (result.at(-1)?.key !== key) result.push({ key, first: step });
  }
  return result;
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
  if (step === null) return '(none: the run had ended)';
  return `${step.index + 1} (${step.event}${step.monitor ? ` ${step.monitor}` : ''} → ${step.state})`;
}
