import { ownEvents } from '../../src/effects/nested-trace.ts';
import type { TraceEvent } from '../../src/effects/trace.ts';
import { monitorReport } from './helper-monitor.ts';
import { helperTasks } from './helper-tasks.ts';
import type { EffectCall, Failure, HelperTask, LogLine, NestedRun, Run, RunFailure, Step } from './run.ts';
import { activePaths, leafPaths } from './state-paths.ts';

type CallEvent = Extract<TraceEvent, { kind: 'effect.call' }>;
type ResultEvent = Extract<TraceEvent, { kind: 'effect.result' }>;

const DETAIL_LIMIT = 240;

export interface RunOptions {
  /**
   * Whether a state path of a machine is a failure state; the chart knows
   * (tags), else a state named `failed` is one.
   */
  readonly isFailurePath?: (machine: string, path: string) => boolean;
}

const namedFailed = (_machine: string, path: string) => path.split('.').at(-1) === 'failed';

/** The failure states the charts know, for the machines that have one; `failed` states for the others. */
export function failurePathsOf(charts: readonly { readonly machine: string; readonly failurePaths: readonly string[] }[]): RunOptions {
  return {
    isFailurePath: (machine, path) => {
      const chart = charts.find((c) => c.machine === machine);
      return chart ? chart.failurePaths.includes(path) : namedFailed(machine, path);
    },
  };
}

/**
 * Builds the run model of a trace: its machine's steps, effect calls, tasks
 * and failure, with the steps of a machine nested in it (the helper's, from
 * `nested` events) merged in.
 */
export function runFromTrace(events: readonly TraceEvent[], options: RunOptions = {}): Run {
  const isFailure = options.isFailurePath ?? namedFailed;
  const own = ownEvents(events);
  const header = own.find((e) => e.kind === 'run');
  const machine = header?.machine ?? own.find((e) => e.kind === 'transition')?.machine ?? 'unknown';
  const merged = mergeNested(stepsOf(own, machine), events, isFailure);
  const steps = merged.steps;
  const calls = callsOf(own, steps);
  const tasks = helperTasks(own);
  const isFailurePath = (path: string) => isFailure(machine, path);
  return {
    machine,
    startedAt: header?.startedAt ?? null,
    durationMs: events.reduce((max, e) => Math.max(max, e.at), 0),
    eventCount: events.length,
    steps,
    calls,
    tasks,
    logs: events.flatMap((e): LogLine[] => (e.kind === 'log' ? [{ seq: e.seq, at: e.at, level: e.level, msg: e.msg }] : [])),
    failure: failureOf(steps, calls, tasks, own, isFailurePath, merged.nested),
    nested: merged.nested,
  };
}

/**
 * Merges the steps of the first machine nested in the trace into the run's
 * own, at the host's seq and time of each nested event's arrival: the
 * nested machine's clock started later and elsewhere, so only arrival
 * orders the two.
 */
function mergeNested(own: Step[], events: readonly TraceEvent[], isFailure: (machine: string, path: string) => boolean): { steps: Step[]; nested: NestedRun | null } {
  const envelopes = events.filter((e): e is Extract<TraceEvent, { kind: 'nested' }> => e.kind === 'nested');
  const machine = envelopes[0]?.machine;
  if (machine === undefined) return { steps: own, nested: null };
  const arrivals = envelopes.filter((e) => e.machine === machine).map((e) => ({ seq: e.seq, at: e.at, event: e.event as TraceEvent }));
  const nestedSteps = stepsOf(
    arrivals.map(({ seq, at, event }) => ({ ...event, seq, at })),
    machine,
  );
  const all = [...own.map((step) => ({ step, nested: false })), ...nestedSteps.map((step) => ({ step, nested: true }))].sort((a, b) => a.step.seq - b.step.seq);
  let hostPaths: readonly string[] = [];
  let nestedPaths: readonly string[] | null = null;
  // The state it ran in is the deepest one active at every one of its steps.
  let under: readonly string[] | null = null;
  let failureStepIndex: number | null = null;
  const steps = all.map(({ step, nested }, index): Step => {
    if (!nested) {
      hostPaths = step.paths;
      return { ...step, index, nestedPaths };
    }
    under = under === null ? hostPaths : under.filter((path) => hostPaths.includes(path));
    nestedPaths = step.paths;
    if (failureStepIndex === null && step.paths.some((path) => isFailure(machine, path))) failureStepIndex = index;
    return { ...step, index, paths: hostPaths, state: `${machine}: ${step.state}`, nestedPaths };
  });
  const deepest = ((under as readonly string[] | null) ?? []).reduce((a: string, b: string) => (b.split('.').length > a.split('.').length ? b : a), '');
  return { steps, nested: { machine, under: deepest, failureStepIndex } };
}

function stepsOf(events: readonly TraceEvent[], machine: string): Step[] {
  const steps: Step[] = [];
  for (const e of events) {
    if (e.kind !== 'transition' || e.machine !== machine) continue;
    const paths = activePaths(e.state);
    const { type, ...rest } = e.event;
    steps.push({
      index: steps.length,
      machine,
      seq: e.seq,
      at: e.at,
      event: type,
      detail: shorten(Object.keys(rest).length === 0 ? '' : JSON.stringify(rest)),
      monitor: monitorOf(e.event),
      paths,
      state: leafPaths(paths).join(', '),
      status: e.status,
      nestedPaths: null,
    });
  }
  return steps;
}

function monitorOf(event: { type: string }): string | null {
  // XState's own events (done, error, after) are the machine's, never the helper's.
  if (event.type.startsWith('xstate.')) return null;
  const report = monitorReport(event);
  if (!report) return null;
  return report.kind === 'start' || report.kind === 'end' ? `${report.kind} ${report.task}` : report.kind;
}

function callsOf(events: readonly TraceEvent[], steps: readonly Step[]): EffectCall[] {
  const results = new Map<number, ResultEvent>();
  const eventCounts = new Map<number, number>();
  for (const e of events) {
    if (e.kind === 'effect.result') results.set(e.callId, e);
    if (e.kind === 'effect.event') eventCounts.set(e.callId, (eventCounts.get(e.callId) ?? 0) + 1);
  }
  return events
    .filter((e): e is CallEvent => e.kind === 'effect.call')
    .map((call) => {
      const result = results.get(call.callId);
      return {
        callId: call.callId,
        effect: call.effect,
        input: shorten(JSON.stringify(call.input) ?? ''),
        startSeq: call.seq,
        startAt: call.at,
        endSeq: result?.seq ?? null,
        durationMs: result?.durationMs ?? null,
        outcome: result === undefined ? 'pending' : result.outcome.ok ? 'ok' : 'error',
        error: result && !result.outcome.ok ? { name: result.outcome.error.name, message: result.outcome.error.message } : null,
        eventCount: eventCounts.get(call.callId) ?? 0,
        stepIndex: stepOfCall(steps, call.seq),
      };
    });
}

/** An invoked effect is called while the machine enters the invoking state, just before that transition is traced. */
function stepOfCall(steps: readonly Step[], seq: number): number {
  const next = firstIndex(steps, (s) => s.seq > seq);
  return next === -1 ? Math.max(0, steps.length - 1) : next;
}

/**
 * The failure and what set it off: the last effect that failed before the
 * failure state was reached, else the helper task that failed (the VM itself
 * exits cleanly then; with the helper's own trace, the cause is the step at
 * which the helper reached its failure state), else the last error logged.
 */
function failureOf(
  steps: readonly Step[],
  calls: readonly EffectCall[],
  tasks: readonly HelperTask[],
  events: readonly TraceEvent[],
  isFailurePath: (path: string) => boolean,
  nested: NestedRun | null,
): RunFailure | null {
  const stepIndex = firstIndex(steps, (s) => s.machine !== nested?.machine && (s.status === 'error' || s.paths.some(isFailurePath)));
  if (stepIndex === -1) return null;
  const step = steps[stepIndex]!;
  const stepAfter = (seq: number) => {
    const index = firstIndex(steps, (s) => s.seq > seq);
    return index === -1 || index > stepIndex ? stepIndex : index;
  };
  const base = { stepIndex, state: step.state };
  const failedCall = lastBefore(calls, (c) => c.outcome === 'error' && c.endSeq !== null && c.endSeq < step.seq);
  if (failedCall) return { ...base, causeStepIndex: stepAfter(failedCall.endSeq!), error: failedCall.error!, callId: failedCall.callId };
  const failedTask = lastBefore(tasks, (t) => t.status === 'failed' && t.endSeq !== null && t.endSeq < step.seq);
  if (failedTask) {
    const reported = failedTask.messages.map((m) => m.replace(/^(error|warning): /, '')).join('; ');
    // The helper's own error lines already name the task (`ChangePassword: ...`).
    const message = reported.startsWith(`${failedTask.name}:`) ? reported : `${failedTask.name}: ${reported}`;
    const helperFailed = nested?.failureStepIndex ?? null;
    const causeStepIndex = helperFailed !== null && helperFailed < stepIndex ? helperFailed : stepAfter(failedTask.endSeq!);
    return { ...base, causeStepIndex, error: { name: 'HelperTaskFailed', message }, callId: failedTask.callId };
  }
  const error = errorFromEventsBefore(events, step.seq) ?? { name: 'Error', message: `the run ended in ${step.state}` };
  return { ...base, causeStepIndex: stepIndex, error, callId: null };
}

/** Without a failed effect, the last error log line (or an error carried by an event) says what went wrong. */
function errorFromEventsBefore(events: readonly TraceEvent[], seq: number): Failure | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (e.seq > seq) continue;
    if (e.kind === 'log' && (e.level === 'error' || e.level === 'fatal')) return { name: 'Error', message: e.msg };
    if (e.kind === 'transition') {
      const error = (e.event as { error?: { name?: unknown; message?: unknown } }).error;
      if (typeof error?.message === 'string') return { name: String(error.name ?? 'Error'), message: error.message };
    }
  }
  return undefined;
}

function firstIndex<T>(items: readonly T[], test: (item: T) => boolean): number {
  for (let i = 0; i < items.length; i++) if (test(items[i]!)) return i;
  return -1;
}

function lastBefore<T>(items: readonly T[], test: (item: T) => boolean): T | undefined {
  for (let i = items.length - 1; i >= 0; i--) if (test(items[i]!)) return items[i];
  return undefined;
}

function shorten(text: string): string {
  return text.length <= DETAIL_LIMIT ? text : `${text.slice(0, DETAIL_LIMIT - 1)}…`;
}
