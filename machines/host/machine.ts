import { assign, emit, setup } from 'xstate';
import { effectPlaceholders, withPorts } from '../../src/effects/actors.ts';
import type {
  AcceleratorChoice,
  AttachedDestination,
  BackendChoice,
  ConfigDevice,
  CopySummary,
  DeploymentPlan,
  HelperExit,
  HelperResult,
  HelperSignal,
  HostEffects,
  Resource,
} from './ports.ts';
import { HOST_EFFECT_NAMES } from './ports.ts';

/**
 * The create lifecycle: validate, pick back-ends, copy the image, write the
 * config device, run the helper VM under a soft and a hard timeout, check its
 * result, and release everything taken, in reverse order, whatever happened.
 *
 * Pure: every effect is an actor provided from its adapters (src/host/real-host-effects.ts).
 */

/** What the operator reads when the run fails: the step and why. */
export interface Failure {
  readonly step: string;
  readonly message: string;
  /** The error's class name, so the CLI can tell a known failure from a bug. */
  readonly kind: string;
}

/** snf-image's monitor messages (image-info, image-copy-progress, image-helper, image-error), without timestamp. */
export interface MonitorReport {
  readonly type: string;
  readonly [field: string]: unknown;
}

export interface HostContext {
  readonly plan: DeploymentPlan | undefined;
  readonly backends: BackendChoice | undefined;
  readonly target: string | undefined;
  readonly copy: CopySummary | undefined;
  readonly configDevice: ConfigDevice | undefined;
  readonly accelerator: AcceleratorChoice | undefined;
  readonly helperPid: number | undefined;
  /** The helper VM printed on its console or wrote a monitor line: it booted. */
  readonly helperAlive: boolean;
  /** Why the helper was killed to start again under TCG, once that is decided. */
  readonly acceleratorAbandoned: string | undefined;
  /** Set once the soft timeout fired: the helper did not finish on time. */
  readonly helperTimedOut: boolean;
  readonly helperExit: HelperExit | undefined;
  readonly helperResult: HelperResult | undefined;
  /** Taken and not yet released, oldest first; released from the end. */
  readonly resources: readonly Resource[];
  readonly releaseAttempts: number;
  readonly unreleased: readonly { resource: Resource; message: string }[];
  readonly failure: Failure | undefined;
}

export type HostEvent =
  | { type: 'deployment.abort'; reason: string }
  | { type: 'copy.progress'; position: number; total: number | null; progress: number | null }
  | { type: 'helper.started'; pid: number }
  | { type: 'helper.alive' }
  | { type: 'helper.acceleratorFailed'; line: string }
  | { type: 'helper.monitor'; message: MonitorReport }
  | { type: 'helper.monitorFailed'; error: { name: string; message: string } };

export interface HostOutput {
  readonly ok: boolean;
  readonly failure: Failure | undefined;
  readonly copy: CopySummary | undefined;
  readonly helperExit: HelperExit | undefined;
  readonly unreleased: readonly { resource: Resource; message: string }[];
}

/** Retries of a release that fails, and the first wait; it doubles each time (snf-image: 0.25 s .. 4 s). */
export const RELEASE_RETRIES = 5;
export const RELEASE_FIRST_BACKOFF_MS = 250;
/** A release that has not answered by then counts as a failed attempt (a hung umount, say). */
export const RELEASE_TIMEOUT_MS = 30_000;

function errorOf(event: unknown): { message: string; kind: string } {
  const error = (event as { error?: unknown }).error;
  if (error instanceof Error) return { message: error.message, kind: error.name };
  return { message: String(error), kind: 'Error' };
}

const lastResource = (context: HostContext): Resource => context.resources[context.resources.length - 1]!;

export const hostMachine = withPorts<HostEffects>()(setup({
  types: {
    context: {} as HostContext,
    events: {} as HostEvent,
    output: {} as HostOutput,
    emitted: {} as { type: 'report'; report: MonitorReport },
  },
  actors: effectPlaceholders<HostEffects>(HOST_EFFECT_NAMES),
  delays: {
    bootTimeout: ({ context }) => context.plan!.helperTimeouts.bootMs,
    softTimeout: ({ context }) => context.plan!.helperTimeouts.softMs,
    hardTimeout: ({ context }) => context.plan!.helperTimeouts.hardMs,
    releaseBackoff: ({ context }) => RELEASE_FIRST_BACKOFF_MS * 2 ** (context.releaseAttempts - 1),
    releaseTimeout: RELEASE_TIMEOUT_MS,
  },
  guards: {
    mayFallBackToTcg: ({ context }) => context.accelerator?.fallbackToTcg === true && !context.helperAlive,
    // TCG runs anything qemu can boot; only the soft timeout bounds it.
    helperSilentUnderKvm: ({ context }) => context.accelerator?.accelerator === 'kvm' && !context.helperAlive,
    acceleratorAbandoned: ({ context }) => context.acceleratorAbandoned !== undefined,
    helperFinishedOnTime: ({ context }) => !context.helperTimedOut,
    helperExitedCleanly: ({ context }) => context.helperExit?.exitCode === 0,
    resultIsSuccess: ({ context }) => context.helperResult?.firstLine === 'SUCCESS',
    nothingLeftToRelease: ({ context }) => context.resources.length === 0,
    releaseRetriesLeft: ({ context }) => context.releaseAttempts <= RELEASE_RETRIES,
    deploymentSucceeded: ({ context }) => context.failure === undefined && context.unreleased.length === 0,
  },
  actions: {
    fail: assign({
      failure: ({ context }, failure: Failure) => context.failure ?? failure,
    }),
    report: emit((_, report: MonitorReport) => ({ type: 'report' as const, report })),
    fallBackToTcg: assign({ accelerator: { accelerator: 'tcg', fallbackToTcg: false, reason: 'the helper did not boot under KVM' } }),
    abandonAccelerator: assign({ acceleratorAbandoned: (_, reason: string) => reason }),
    forgetHelperProcess: assign({
      resources: ({ context }) => context.resources.filter((r) => r.kind !== 'process'),
    }),
    giveUpRelease: assign({
      unreleased: ({ context, event }) => [
        ...context.unreleased,
        { resource: lastResource(context), message: 'error' in event ? errorOf(event).message : 'no answer in time' },
      ],
      resources: ({ context }) => context.resources.slice(0, -1),
      releaseAttempts: 0,
    }),
  },
}).createMachine({
  id: 'host',
  context: {
    plan: undefined,
    backends: undefined,
    target: undefined,
    copy: undefined,
    configDevice: undefined,
    accelerator: undefined,
    helperPid: undefined,
    helperAlive: false,
    acceleratorAbandoned: undefined,
    helperTimedOut: false,
    helperExit: undefined,
    helperResult: undefined,
    resources: [],
    releaseAttempts: 0,
    unreleased: [],
    failure: undefined,
  },
  initial: 'deploying',
  output: ({ context }) => ({
    ok: context.failure === undefined && context.unreleased.length === 0,
    failure: context.failure,
    copy: context.copy,
    helperExit: context.helperExit,
    unreleased: context.unreleased,
  }),
  states: {
    deploying: {
      initial: 'validating',
      on: {
        'deployment.abort': {
          target: 'releasing',
          actions: { type: 'fail', params: ({ event }) => ({ step: 'deploying', message: `aborted: ${event.reason}`, kind: 'Aborted' }) },
        },
      },
      states: {
        validating: {
          invoke: {
            src: 'validate',
            id: 'validate',
            input: {},
            onDone: { target: 'selectingBackends', actions: assign({ plan: ({ event }) => event.output }) },
            onError: {
              target: '#host.releasing',
              actions: { type: 'fail', params: ({ event }) => ({ step: 'validating', ...errorOf(event) }) },
            },
          },
        },
        selectingBackends: {
          invoke: {
            src: 'selectBackends',
            id: 'selectBackends',
            input: ({ context }) => ({ imageId: context.plan!.image.id, disk: context.plan!.disk, config: context.plan!.backends }),
            onDone: { target: 'attachingDestination', actions: assign({ backends: ({ event }) => event.output }) },
            onError: {
              target: '#host.releasing',
              actions: { type: 'fail', params: ({ event }) => ({ step: 'selectingBackends', ...errorOf(event) }) },
            },
          },
        },
        attachingDestination: {
          invoke: {
            src: 'attachDestination',
            id: 'attachDestination',
            input: ({ context }) => context.backends!.destination,
            onDone: {
              target: 'copying',
              actions: assign({
                target: ({ event }) => event.output.target,
                resources: ({ context, event }) => [...context.resources, ...event.output.resources],
              }),
            },
            onError: {
              target: '#host.releasing',
              actions: { type: 'fail', params: ({ event }) => ({ step: 'attachingDestination', ...errorOf(event) }) },
            },
          },
        },
        copying: {
          entry: { type: 'report', params: { type: 'image-info', messages: ['Starting image copy...'] } },
          on: {
            'copy.progress': {
              actions: {
                type: 'report',
                params: ({ event }) => ({ type: 'image-copy-progress', position: event.position, total: event.total, progress: event.progress }),
              },
            },
          },
          invoke: {
            src: 'copyImage',
            id: 'copyImage',
            input: ({ context }) => ({ image: context.plan!.image, source: context.backends!.source.backend, target: context.target!, config: context.plan!.backends }),
            onDone: {
              target: 'writingConfigDevice',
              actions: [
                assign({ copy: ({ event }) => event.output }),
                { type: 'report', params: { type: 'image-info', messages: ['Image copy finished.'] } },
              ],
            },
            onError: {
              target: '#host.releasing',
              actions: { type: 'fail', params: ({ event }) => ({ step: 'copying', ...errorOf(event) }) },
            },
          },
        },
        writingConfigDevice: {
          invoke: {
            src: 'writeConfigDevice',
            id: 'writeConfigDevice',
            input: ({ context }) => context.plan!.configDevice,
            onDone: {
              target: 'choosingAccelerator',
              actions: assign({
                configDevice: ({ event }) => event.output,
                resources: ({ context, event }) => [...context.resources, ...event.output.resources],
              }),
            },
            onError: {
              target: '#host.releasing',
              actions: { type: 'fail', params: ({ event }) => ({ step: 'writingConfigDevice', ...errorOf(event) }) },
            },
          },
        },
        choosingAccelerator: {
          invoke: {
            src: 'chooseAccelerator',
            id: 'chooseAccelerator',
            input: ({ context }) => context.plan!.helper.boot,
            onDone: { target: 'runningHelper', actions: assign({ accelerator: ({ event }) => event.output }) },
            onError: {
              target: '#host.releasing',
              actions: { type: 'fail', params: ({ event }) => ({ step: 'choosingAccelerator', ...errorOf(event) }) },
            },
          },
        },
        markingAcceleratorBad: {
          entry: {
            type: 'report',
            params: ({ context }) => ({
              type: 'image-helper',
              subtype: 'warning',
              messages: [`The customization VM did not boot under KVM (${context.acceleratorAbandoned}); starting it again under TCG.`],
            }),
          },
          invoke: {
            src: 'markAcceleratorBad',
            id: 'markAcceleratorBad',
            input: ({ context }) => ({ boot: context.plan!.helper.boot, accelerator: context.accelerator!.accelerator, reason: context.acceleratorAbandoned! }),
            // Not remembering the verdict costs the next create a probe; this one goes on under TCG either way.
            onDone: { target: 'runningHelper', actions: 'fallBackToTcg' },
            onError: { target: 'runningHelper', actions: 'fallBackToTcg' },
          },
        },
        runningHelper: {
          entry: [
            assign({ helperAlive: false, acceleratorAbandoned: undefined }),
            { type: 'report', params: { type: 'image-info', messages: ['Starting customization VM...'] } },
          ],
          invoke: {
            src: 'runHelper',
            id: 'runHelper',
            input: ({ context }) => ({
              helper: context.plan!.helper,
              accelerator: context.accelerator!.accelerator,
              target: context.target!,
              configDevice: context.configDevice!.configDevice,
              resultChannel: context.configDevice!.resultChannel,
            }),
            onDone: [
              { guard: 'acceleratorAbandoned', target: 'markingAcceleratorBad', actions: 'forgetHelperProcess' },
              {
                guard: 'helperFinishedOnTime',
                target: 'checkingResult',
                actions: assign({
                  helperExit: ({ event }) => event.output,
                  resources: ({ context }) => context.resources.filter((r) => r.kind !== 'process'),
                }),
              },
              {
                target: '#host.releasing',
                actions: [
                  assign({
                    helperExit: ({ event }) => event.output,
                    resources: ({ context }) => context.resources.filter((r) => r.kind !== 'process'),
                  }),
                  { type: 'fail', params: { step: 'runningHelper', message: 'Image customization failed. Did not finish on time.', kind: 'HelperTimeout' } },
                ],
              },
            ],
            onError: {
              target: '#host.releasing',
              actions: { type: 'fail', params: ({ event }) => ({ step: 'runningHelper', ...errorOf(event) }) },
            },
          },
          on: {
            'helper.started': {
              actions: assign({
                helperPid: ({ event }) => event.pid,
                resources: ({ context, event }) => [...context.resources, { kind: 'process', id: String(event.pid) }],
              }),
            },
            'helper.alive': { actions: assign({ helperAlive: true }) },
            'helper.monitor': { actions: { type: 'report', params: ({ event }) => event.message } },
            // The helper broke the monitor protocol: it runs on, and only its result decides.
            'helper.monitorFailed': {
              actions: { type: 'report', params: ({ event }) => ({ type: 'image-info', messages: [`Helper monitor channel ignored from now on: ${event.error.message}`] }) },
            },
          },
          initial: 'waiting',
          states: {
            waiting: {
              after: {
                softTimeout: { target: 'terminating', actions: assign({ helperTimedOut: true }) },
                // A helper that has not booted under KVM by then will not: under auto TCG takes over; under kvm the run fails.
                bootTimeout: [
                  {
                    guard: 'mayFallBackToTcg',
                    target: 'killing',
                    actions: { type: 'abandonAccelerator', params: ({ context }) => `no sign of life within HELPER_BOOT_TIMEOUT, ${seconds(context.plan!.helperTimeouts.bootMs)}` },
                  },
                  {
                    guard: 'helperSilentUnderKvm',
                    target: 'killing',
                    actions: [
                      assign({ helperTimedOut: true }),
                      { type: 'fail', params: ({ context }) => ({ step: 'runningHelper', message: bootTimeoutMessage(context), kind: 'HelperBootTimeout' }) },
                    ],
                  },
                ],
              },
              on: {
                'helper.acceleratorFailed': [
                  { guard: 'mayFallBackToTcg', target: 'killing', actions: { type: 'abandonAccelerator', params: ({ event }) => `qemu reported "${event.line}"` } },
                  {
                    target: 'killing',
                    actions: [
                      assign({ helperTimedOut: true }),
                      {
                        type: 'fail',
                        params: ({ event }) => ({
                          step: 'runningHelper',
                          message: `qemu reported "${event.line}": KVM cannot run the customization VM on this node; set HELPER_ACCEL to auto or tcg.`,
                          kind: 'AcceleratorFailed',
                        }),
                      },
                    ],
                  },
                ],
              },
            },
            terminating: {
              invoke: {
                src: 'signalHelper',
                id: 'signalHelper',
                input: ({ context }) => ({ pid: context.helperPid!, signal: 'SIGTERM' as const }),
                onError: 'killing',
              },
              after: { hardTimeout: 'killing' },
            },
            killing: {
              invoke: {
                src: 'signalHelper',
                id: 'signalHelper',
                input: ({ context }) => ({ pid: context.helperPid!, signal: 'SIGKILL' as const }),
              },
              after: {
                hardTimeout: {
                  target: '#host.releasing',
                  actions: { type: 'fail', params: { step: 'runningHelper', message: 'Customization VM could not be stopped after SIGKILL.', kind: 'HelperTimeout' } },
                },
              },
            },
          },
        },
        checkingResult: {
          entry: { type: 'report', params: { type: 'image-info', messages: ['Checking customization status...'] } },
          invoke: {
            src: 'readResult',
            id: 'readResult',
            input: ({ context }) => ({ path: context.configDevice!.resultChannel }),
            onDone: [
              {
                guard: 'helperExitedCleanly',
                target: 'judgingResult',
                actions: assign({ helperResult: ({ event }) => event.output }),
              },
              {
                target: '#host.releasing',
                actions: [
                  assign({ helperResult: ({ event }) => event.output }),
                  {
                    type: 'fail',
                    params: ({ context, event }) => ({
                      step: 'checkingResult',
                      message: `Customization VM died unexpectedly (${describeExit(context.helperExit)}); result channel: ${event.output.firstLine || '(empty)'}`,
                      kind: 'HelperFailed',
                    }),
                  },
                ],
              },
            ],
            onError: {
              target: '#host.releasing',
              actions: { type: 'fail', params: ({ event }) => ({ step: 'checkingResult', ...errorOf(event) }) },
            },
          },
        },
        judgingResult: {
          always: [
            {
              guard: 'resultIsSuccess',
              target: '#host.releasing',
              actions: { type: 'report', params: { type: 'image-info', messages: ['Image customization finished successfully.'] } },
            },
            {
              target: '#host.releasing',
              actions: {
                type: 'fail',
                params: ({ context }) => ({
                  step: 'checkingResult',
                  message: `Image customization failed: ${context.helperResult!.firstLine || 'the helper wrote no result'}`,
                  kind: 'HelperFailed',
                }),
              },
            },
          ],
        },
      },
    },
    releasing: {
      initial: 'next',
      onDone: [{ guard: 'deploymentSucceeded', target: 'done' }, { target: 'failed' }],
      states: {
        next: {
          always: [{ guard: 'nothingLeftToRelease', target: 'released' }, { target: 'releasingOne' }],
        },
        releasingOne: {
          entry: assign({ releaseAttempts: ({ context }) => context.releaseAttempts + 1 }),
          after: {
            releaseTimeout: [
              { guard: 'releaseRetriesLeft', target: 'waitingToRetry' },
              { target: 'next', actions: 'giveUpRelease' },
            ],
          },
          invoke: {
            src: 'releaseResource',
            id: 'releaseResource',
            input: ({ context }) => lastResource(context),
            onDone: {
              target: 'next',
              actions: assign({ resources: ({ context }) => context.resources.slice(0, -1), releaseAttempts: 0 }),
            },
            onError: [
              { guard: 'releaseRetriesLeft', target: 'waitingToRetry' },
              { target: 'next', actions: 'giveUpRelease' },
            ],
          },
        },
        waitingToRetry: {
          after: { releaseBackoff: 'releasingOne' },
        },
        released: { type: 'final' },
      },
    },
    done: { type: 'final' },
    failed: { type: 'final', tags: ['failure'] },
  },
}));

function seconds(ms: number): string {
  return `${ms / 1000} s`;
}

function bootTimeoutMessage(context: HostContext): string {
  return `The customization VM showed no sign of life within HELPER_BOOT_TIMEOUT (${seconds(context.plan!.helperTimeouts.bootMs)}) under KVM: this node's KVM may not run it: set HELPER_ACCEL to auto (KVM, or TCG when KVM fails) or tcg, or raise HELPER_BOOT_TIMEOUT.`;
}

function describeExit(exit: HelperExit | undefined): string {
  if (!exit) return 'no exit status';
  return exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.exitCode}`;
}
