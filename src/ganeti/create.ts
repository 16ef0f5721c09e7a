import { nanoid } from 'nanoid';
import { toPromise } from 'xstate';
import { hostMachine, type Failure, type HostOutput, type MonitorReport } from '../../machines/host/machine.ts';
import { realClock } from '../effects/clock.ts';
import { DeferredFileTrace } from '../effects/deferred-file-trace.ts';
import { realProcesses } from '../effects/real/processes.ts';
import { startMachine } from '../effects/run-machine.ts';
import { createLogger, type Logger } from '../log.ts';
import type { Environment } from '../host/inputs/deployment-request.ts';
import { openMonitorOutput, type MonitorMessage, type MonitorOutput } from '../host/monitor-output.ts';
import { phaseTimes } from '../host/phase-times.ts';
import { realHostEffects, type CreatePlan } from '../host/real-host-effects.ts';
import type { AcceleratorChoiceOptions } from '../host/helper-vm/accelerator-choice.ts';

/** Where a run's trace goes when it failed before its configuration was read (TRACE_DIR's default). */
const DEFAULT_TRACE_DIR = '/var/log/snf-image/traces';

/** JavaScript's own error classes: a bug of ours, whose details an operator's user need not see. */
const INTERNAL_ERRORS = new Set(['Error', 'TypeError', 'RangeError', 'ReferenceError', 'SyntaxError']);

export interface CreateOptions {
  readonly log?: Logger;
  /** Where monitor messages go without PROGRESS_MONITOR: Ganeti's OS log. */
  readonly stdout?: NodeJS.WritableStream;
  readonly fetch?: typeof globalThis.fetch;
  readonly backendsConfigDir?: string;
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
  const trace = new DeferredFileTrace(clock);
  const effects = realHostEffects({
    env,
    processes: realProcesses,
    log,
    fetch: options.fetch ?? globalThis.fetch,
    ...(options.backendsConfigDir ? { backendsConfigDir: options.backendsConfigDir } : {}),
    ...(options.acceleratorChoice ? { acceleratorChoice: options.acceleratorChoice } : {}),
  });
  const actor = startMachine(hostMachine, effects, { clock, trace: trace.tracer, name: 'host' });

  // Monitor messages wait until the configuration (PROGRESS_MONITOR) is known.
  let monitor: MonitorOutput | undefined;
  const waiting: MonitorReport[] = [];
  const openMonitor = (plan: CreatePlan | undefined) => {
    monitor ??= openMonitorOutput({
      ...(plan?.request.config.PROGRESS_MONITOR ? { progressMonitor: plan.request.config.PROGRESS_MONITOR.join(' ') } : {}),
      instance: plan?.instance ?? env.INSTANCE_NAME ?? 'unknown',
      clock,
      stdout: (options.stdout ?? process.stdout) as never,
      log,
    });
    for (const report of waiting.splice(0)) monitor.send(report as MonitorMessage);
    return monitor;
  };
  const openTrace = (plan: CreatePlan | undefined) =>
    trace.openAt(plan?.request.config.TRACE_DIR ?? env.SNF_IMAGE_TRACE_DIR ?? DEFAULT_TRACE_DIR, `${safeName(plan?.instance ?? env.INSTANCE_NAME ?? 'create')}-${stamp(clock.now())}-${nanoid(6)}.jsonl`);

  actor.on('report', ({ report }) => (monitor ? monitor.send(report as MonitorMessage) : waiting.push(report)));
  const subscription = actor.subscribe((snapshot) => {
    const plan = snapshot.context.plan as CreatePlan | undefined;
    if (plan && !monitor) {
      openMonitor(plan);
      log.info({ trace: openTrace(plan) }, 'trace');
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
      tracePath = trace.path ?? openTrace(plan);
    } catch (error) {
      log.warn({ error: (error as Error).message }, 'could not write the trace');
    }
    if (output.failure) {
      log.error({ step: output.failure.step, kind: output.failure.kind }, output.failure.message);
      out.send({ type: 'image-error', messages: [userFacingError(output.failure)] });
    }
    for (const { resource, message } of output.unreleased) log.error({ resource }, `could not release ${resource.kind} ${resource.id}: ${message}`);
    log.info({ phases: phaseTimes(trace.events), ok: output.ok }, output.ok ? 'image deployed' : 'image deployment failed');
    await out.close();
    return { output, tracePath };
  } finally {
    subscription.unsubscribe();
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
    await trace.tracer.close();
  }
}

export async function runCreate(env: Environment): Promise<number> {
  const { output, tracePath } = await deploy(env);
  if (tracePath) process.stderr.write(`trace: ${tracePath} (view it with: snf-image viz ${tracePath})\n`);
  return output.ok ? 0 : 1;
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}

function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[:.]/g, '-');
}
