import { nanoid } from 'nanoid';
import { toPromise } from 'xstate';
import { hostMachine, type Failure, type HostOutput, type MonitorReport } from '../../machines/host/machine.ts';
import { realClock } from '../effects/clock.ts';
import { DeferredFileTrace } from '../effects/deferred-file-trace.ts';
import { realProcesses } from '../effects/real/processes.ts';
import { startMachine } from '../effects/run-machine.ts';
import { createLogger, type Logger } from '../log.ts';
import { configuredTraceDir, realInputFiles, type Environment } from '../host/inputs/deployment-request.ts';
import { openMonitorOutput, type MonitorMessage, type MonitorOutput } from '../host/monitor-output.ts';
import { phaseTimes } from '../host/phase-times.ts';
import { pruneTraces } from '../host/prune-traces.ts';
import { configuredLogLevel } from '../host/inputs/settings.ts';
import { standardBackends } from '../host/backends/backend-registry.ts';
import { realHostEffects, type CreatePlan } from '../host/real-host-effects.ts';
import { HELPER_MACHINE } from '../protocol/trace-channel.ts';
import type { AcceleratorChoiceOptions } from '../host/helper-vm/accelerator-choice.ts';

/** Where a run's trace goes when neither the configuration nor SNF_IMAGE_TRACE_DIR says (TRACE_DIR's default). */
const DEFAULT_TRACE_DIR = '/var/log/snf-image/traces';

/** JavaScript's own error classes: a bug of ours, whose details an operator's user need not see. */
const INTERNAL_ERRORS = new Set(['Error', 'TypeError', 'RangeError', 'ReferenceError', 'SyntaxError']);

export interface CreateOptions {
  readonly log?: Logger;
  /** Where monitor messages go without PROGRESS_MONITOR: Ganeti's OS log. */
  readonly stdout?: NodeJS.WritableStream;
  readonly fetch?: typeof globalThis.fetch;
  readonly backendsConfigDir?: string;
  /** Sees every monitor message too (import's resize reads what the helper could not grow). */
  readonly onReport?: (report: MonitorReport) => void;
  /** Where accelerator verdicts are kept and what the probe reads; tests point it elsewhere. */
  readonly acceleratorChoice?: Partial<AcceleratorChoiceOptions>;
}

export interface CreateResult {
  readonly output: HostOutput;
  readonly tracePath: string | undefined;
}

/** The message a Ganeti user reads when create fails (snf-image's image-error). */
export function userFacingError(failure: Failure): string {
  return INTERNAL_ERRORS.has(failure.kind) ? 'Internal Error: Image deployment failed.' : failure.message;
}

/**
 * `create`: runs the create lifecycle against the world, writes its trace,
 * sends the monitor messages and turns SIGTERM/SIGINT into an orderly abort
 * (everything taken is still released).
 */
export async function deploy(env: Environment, options: CreateOptions = {}): Promise<CreateResult> {
  const log = options.log ?? createLogger();
  const clock = realClock;
  // At debug level every traced step is logged too: snf-image's IMAGE_DEBUG traced its every command.
  const trace = new DeferredFileTrace(clock, (event) => log.debug({ step: event }, 'trace'));
  const effects = realHostEffects({
    env,
    processes: realProcesses,
    log,
    fetch: options.fetch ?? globalThis.fetch,
    backends: standardBackends(),
    ...(options.backendsConfigDir ? { backendsConfigDir: options.backendsConfigDir } : {}),
    helperTrace: (event) => trace.tracer.write({ kind: 'nested', machine: HELPER_MACHINE, event }),
    ...(options.acceleratorChoice ? { acceleratorChoice: options.acceleratorChoice } : {}),
  });
  const actor = startMachine(hostMachine, effects, { clock, trace: trace.tracer, name: 'host' });

  // Monitor messages wait until the configuration (PROGRESS_MONITOR) is known.
  let monitor: MonitorOutput | undefined;
  const waiting: MonitorReport[] = [];
  const openMonitor = (plan: CreatePlan | undefined) => {
    monitor ??= openMonitorOutput({
      ...(plan?.config.PROGRESS_MONITOR ? { progressMonitor: plan.config.PROGRESS_MONITOR.join(' ') } : {}),
      instance: plan?.instance ?? env.INSTANCE_NAME ?? 'unknown',
      clock,
      stdout: (options.stdout ?? process.stdout) as never,
      log,
    });
    for (const report of waiting.splice(0)) monitor.send(report as MonitorMessage);
    return monitor;
  };
  const openTrace = (plan: CreatePlan | undefined, traceDir: string) =>
    trace.openAt(traceDir, `${safeName(plan?.instance ?? env.INSTANCE_NAME ?? 'create')}-${stamp(clock.now())}-${nanoid(6)}.jsonl`);

  actor.on('report', ({ report }) => {
    options.onReport?.(report);
    if (monitor) monitor.send(report as MonitorMessage);
    else waiting.push(report);
  });
  const subscription = actor.subscribe((snapshot) => {
    const plan = snapshot.context.plan as CreatePlan | undefined;
    if (plan && !monitor) {
      const level = configuredLogLevel(plan.config);
      if (level !== undefined) log.level = level;
      openMonitor(plan);
      log.info({ trace: openTrace(plan, plan.config.TRACE_DIR) }, 'trace');
    }
  });
  const abort = (signal: string) => () => actor.send({ type: 'deployment.abort', reason: `${signal} received` });
  const onTerm = abort('SIGTERM');
  const onInt = abort('SIGINT');
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  try {
    const output = await toPromise(actor);
    const plan = actor.getSnapshot().context.plan as CreatePlan | undefined;
    const out = openMonitor(plan);
    let tracePath: string | undefined;
    try {
      // A run that failed validation has no plan: its trace goes where the configuration says all the same.
      tracePath = trace.path ?? openTrace(plan, plan?.config.TRACE_DIR ?? (await configuredTraceDir(env, realInputFiles)) ?? env.SNF_IMAGE_TRACE_DIR ?? DEFAULT_TRACE_DIR);
    } catch (error) {
      log.warn({ error: (error as Error).message }, 'could not write the trace');
    }
    for (const { resource, message } of output.unreleased) log.error({ resource }, `could not release ${resource.kind} ${resource.id}: ${message}`);
    log.info({ phases: phaseTimes(trace.events), ok: output.ok }, output.ok ? 'image deployed' : 'image deployment failed');
    if (tracePath) log.info({ trace: tracePath }, `view the trace with: snf-image viz ${tracePath}`);
    if (plan) await removeOldTraces(plan, tracePath, log);
    // Ganeti shows the last lines of the OS log: the reason comes last.
    if (output.failure) out.send({ type: 'image-error', messages: [userFacingError(output.failure)] });
    await out.close();
    if (output.failure) log.error({ step: output.failure.step, kind: output.failure.kind }, output.failure.message);
    return { output, tracePath };
  } finally {
    subscription.unsubscribe();
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
    await trace.tracer.close();
  }
}

async function removeOldTraces(plan: CreatePlan, tracePath: string | undefined, log: Logger): Promise<void> {
  const { TRACE_DIR, TRACE_MAX_AGE } = plan.config;
  try {
    const removed = await pruneTraces(TRACE_DIR, TRACE_MAX_AGE, Date.now(), tracePath);
    if (removed.length > 0) log.info({ traceDir: TRACE_DIR, removed: removed.length }, `removed traces older than TRACE_MAX_AGE (${TRACE_MAX_AGE} s)`);
  } catch (error) {
    log.warn({ traceDir: TRACE_DIR, error: (error as Error).message }, 'could not remove old traces');
  }
}

export async function runCreate(env: Environment): Promise<number> {
  const { output } = await deploy(env);
  return output.ok ? 0 : 1;
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}

function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[:.]/g, '-');
}
