import { assign, fromPromise, setup } from 'xstate';
import { effectPlaceholders, withPorts } from '../../src/effects/actors.ts';
import { HELPER_EFFECTS, type DetectInput, type DiskFacts, type HelperEffectEvent, type HelperEffects, type RulesRead, type RunTaskInput, type RunTaskOutput } from './ports.ts';
import { errorLine, oneLine, stderrLines, taskEndLine, taskStartLine, warningLine, withinBudget } from '../../src/protocol/monitor-lines.ts';
import { checkTaskValues, planTasks, type PlannedTask } from './planner.ts';
import { decodeProperties, type PropertySources } from './properties.ts';
import { checkYesNo } from './yes-no.ts';
import { OS_FAMILIES, type OsFamily, type TaskValue, type TaskDeclaration } from './task-declaration.ts';

/**
 * The helper's task sequence, inside the throw-away VM: read the rules,
 * decode the image properties, detect what is missing, plan the tasks, run
 * them one by one reporting each on the monitor channel, write SUCCESS, power
 * off. On any failure: unmount whatever is still mounted (reverse order),
 * report `ERROR: <task>: <reason>` with the failing command's stderr tail,
 * power off. Every effect has a time limit, so a hang ends as an error too.
 */

export interface HelperTimeouts {
  /** Reading the rules, writing a channel. */
  readonly effectMs: number;
  /** Detection, one task, unmounting. */
  readonly taskMs: number;
  readonly powerOffMs: number;
}

export const DEFAULT_HELPER_TIMEOUTS: HelperTimeouts = { effectMs: 30_000, taskMs: 15 * 60_000, powerOffMs: 10_000 };

export interface HelperInput {
  readonly tasks: readonly TaskDeclaration[];
  readonly timeouts?: Partial<HelperTimeouts>;
}

export interface HelperFailure {
  /** The task, or the helper's own step, that failed. */
  readonly task: string;
  readonly reason: string;
}

export interface HelperContext {
  readonly taskTable: readonly TaskDeclaration[];
  readonly timeouts: HelperTimeouts;
  readonly devices: readonly string[];
  readonly properties: Readonly<Record<string, string>>;
  /** What tasks read: rules values, DEV*, PROPERTY_*, RESIZE_PART and what earlier tasks handed on. */
  readonly env: Readonly<Record<string, TaskValue>>;
  readonly plan: readonly PlannedTask[];
  readonly current: number;
  /** Monitor lines waiting for the next write. */
  readonly outbox: readonly string[];
  readonly linesWritten: number;
  /** Mountpoints in the order they were mounted. */
  readonly mounts: readonly string[];
  readonly stderr: readonly string[];
  readonly failure?: HelperFailure;
}

// Names of the helper's own steps, as they appear in `ERROR: <task>: ...`.
const STEP = {
  rules: 'ReadRules',
  properties: 'DecodeProperties',
  detection: 'DetectImageProperties',
  monitor: 'ReportProgress',
  leftovers: 'UnmountLeftovers',
  result: 'ReportResult',
} as const;

const EXCLUDE_ALL_WARNING = 'EXCLUDE_ALL_TASKS is set. No task will run; the image is left as it was copied.';
const AUTODETECT_WARNING = 'Needed image properties are missing. Autodetecting them...';

const currentStep = (c: HelperContext): PlannedTask => c.plan[c.current]!;
const currentDescription = (c: HelperContext): TaskDeclaration => c.taskTable.find((t) => t.name === currentStep(c).task)!;
const isSet = (c: HelperContext) => (name: string) => {
  const value = c.env[name];
  return value !== undefined && value !== '';
};
const excludeAllTasks = (properties: Readonly<Record<string, string>>) => checkYesNo('EXCLUDE_ALL_TASKS', properties.EXCLUDE_ALL_TASKS, () => {});
const yesNoWarnings = (name: string, properties: Readonly<Record<string, string>>) => {
  const warnings: string[] = [];
  checkYesNo(name, properties[name], (w) => warnings.push(w));
  return warnings;
};
const needsDetection = (c: HelperContext) => !c.properties.OSFAMILY || !c.properties.ROOT_PARTITION;

function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return oneLine(message.split('\n')[0] ?? message) || 'failed without a message';
}

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}

/** What detection leaves wrong: a property that is still missing or not valid. */
function invalidProperties(properties: Readonly<Record<string, string>>): string | undefined {
  const family = properties.OSFAMILY;
  const root = properties.ROOT_PARTITION;
  if (!family) return 'OSFAMILY is not set and could not be detected: set the OSFAMILY image property';
  if (!(OS_FAMILIES as readonly string[]).includes(family)) return `OSFAMILY "${family}" is not supported: use one of ${OS_FAMILIES.join(', ')}`;
  if (!root) return 'ROOT_PARTITION is not set and could not be detected: set the ROOT_PARTITION image property';
  if (!/^[1-9][0-9]*$/.test(root)) return `ROOT_PARTITION "${root}" is not a partition number: give the number, e.g. 1`;
  return undefined;
}

function deviceValues(devices: readonly string[]): Record<string, string> {
  const values: Record<string, string> = { DEV: devices[0]!, DEV_COUNT: String(devices.length) };
  devices.forEach((device, i) => (values[`DEV_${i}`] = device));
  return values;
}

function propertyValues(properties: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(properties).map(([key, value]) => [`PROPERTY_${key}`, value]));
}

type HelperEvent = HelperEffectEvent;

/** A failed step: the machine goes to `failing` with the error's first line as the reason. */
const failedIn = (task: string, target = 'failing') => ({
  target,
  actions: { type: 'fail' as const, params: ({ event }: { event: { error?: unknown } }) => ({ task, reason: reasonOf(event.error) }) },
});

/** A step that hung past its time limit fails like one that failed. */
const timedOutIn = (task: string, limit: 'effectMs' | 'taskMs', target = 'failing') => ({
  target,
  actions: { type: 'fail' as const, params: ({ context }: { context: HelperContext }) => ({ task, reason: `did not finish within ${seconds(context.timeouts[limit])}` }) },
});

export interface HelperOutput {
  /** The line written to the result channel: SUCCESS or ERROR: <task>: <reason>. */
  readonly result: string;
}

export const helperMachine = withPorts<HelperEffects>()(setup({
  types: {} as { context: HelperContext; input: HelperInput; events: HelperEvent; output: HelperOutput },
  actors: {
    ...effectPlaceholders<HelperEffects>(HELPER_EFFECTS),
    // Pure: decoding is computation, not an effect; it is an actor so a bad JSON fails like any step.
    decodeProperties: fromPromise<Record<string, string>, PropertySources>(async ({ input }) => decodeProperties(input)),
  },
  guards: {
    allTasksExcluded: ({ context }) => excludeAllTasks(context.properties),
    propertiesMissing: ({ context }) => needsDetection(context),
    detectedPropertiesInvalid: ({ context }) => invalidProperties(context.properties) !== undefined,
    planIsEmpty: ({ context }) => context.plan.length === 0,
    taskSkipped: ({ context }) => !currentStep(context).run,
    taskLacksValues: ({ context }) => checkTaskValues(currentDescription(context), isSet(context)).error !== undefined,
    moreTasks: ({ context }) => context.current + 1 < context.plan.length,
    somethingMounted: ({ context }) => context.mounts.length > 0,
    outboxEmpty: ({ context }) => context.outbox.length === 0,
  },
  delays: {
    effectTimeout: ({ context }) => context.timeouts.effectMs,
    taskTimeout: ({ context }) => context.timeouts.taskMs,
    powerOffTimeout: ({ context }) => context.timeouts.powerOffMs,
  },
  actions: {
    queueWarning: assign({ outbox: ({ context }, message: string) => [...context.outbox, warningLine(message)] }),
    monitorWritten: assign({
      linesWritten: ({ context }) => context.linesWritten + withinBudget(context.outbox, context.linesWritten).length,
      outbox: () => [],
    }),
    fail: assign({ failure: (_, failure: HelperFailure) => failure }),
    // unmountAll succeeds only when every mountpoint it was given is unmounted.
    allUnmounted: assign({ mounts: () => [] }),
  },
}).createMachine({
  id: 'helper',
  context: ({ input }) => ({
    taskTable: input.tasks,
    timeouts: { ...DEFAULT_HELPER_TIMEOUTS, ...input.timeouts },
    devices: [],
    properties: {},
    env: {},
    plan: [],
    current: 0,
    outbox: [],
    linesWritten: 0,
    mounts: [],
    stderr: [],
  }),
  on: {
    'helper.mounted': { actions: assign({ mounts: ({ context, event }) => [...context.mounts, event.mountpoint] }) },
    'helper.unmounted': {
      actions: assign({ mounts: ({ context, event }) => context.mounts.filter((m) => m !== event.mountpoint) }),
    },
    'helper.warning': { actions: { type: 'queueWarning', params: ({ event }) => event.message } },
    'helper.stderr': { actions: assign({ stderr: ({ event }) => event.lines }) },
  },
  initial: 'readingRules',
  states: {
    readingRules: {
      invoke: {
        id: 'readRules',
        src: 'readRules',
        input: {},
        onDone: {
          target: 'decodingProperties',
          actions: assign({
            devices: ({ event }) => event.output.devices,
            env: ({ event }) => ({ ...event.output.env, ...deviceValues(event.output.devices) }),
            properties: ({ event }) => event.output.forcedProperties,
          }),
        },
        onError: failedIn(STEP.rules),
      },
      after: {
        effectTimeout: timedOutIn(STEP.rules, 'effectMs'),
      },
    },

    decodingProperties: {
      invoke: {
        id: 'decodeProperties',
        src: 'decodeProperties',
        input: ({ context }) => ({
          forced: context.properties,
          ...(typeof context.env.PROPERTIES === 'string' ? { imgProperties: context.env.PROPERTIES } : {}),
          ...(typeof context.env.INST_PROPERTIES === 'string' ? { instProperties: context.env.INST_PROPERTIES } : {}),
        }),
        onDone: {
          target: 'choosingPath',
          actions: assign({
            properties: ({ event }) => event.output,
            env: ({ context, event }) => ({ ...context.env, ...propertyValues(event.output) }),
            outbox: ({ context, event }) => [...context.outbox, ...yesNoWarnings('EXCLUDE_ALL_TASKS', event.output).map(warningLine)],
          }),
        },
        onError: failedIn(STEP.properties),
      },
    },

    choosingPath: {
      always: [
        { guard: 'allTasksExcluded', target: 'finishing', actions: { type: 'queueWarning', params: EXCLUDE_ALL_WARNING } },
        { guard: 'propertiesMissing', target: 'detecting', actions: { type: 'queueWarning', params: AUTODETECT_WARNING } },
        { target: 'detecting' },
      ],
    },

    detecting: {
      invoke: {
        id: 'detect',
        src: 'detect',
        input: ({ context }) => ({
          device: context.devices[0]!,
          detectOsFamily: !context.properties.OSFAMILY,
          detectRootPartition: !context.properties.ROOT_PARTITION,
        }),
        onDone: {
          target: 'checkingProperties',
          actions: assign(({ context, event }) => {
            const found: Record<string, string> = {};
            const outbox = [...context.outbox];
            if (!context.properties.OSFAMILY && event.output.osFamily) {
              found.OSFAMILY = event.output.osFamily;
              outbox.push(warningLine(`Detected OSFAMILY: ${event.output.osFamily}`));
            }
            if (!context.properties.ROOT_PARTITION && event.output.rootPartition !== undefined) {
              found.ROOT_PARTITION = String(event.output.rootPartition);
              outbox.push(warningLine(`Detected ROOT_PARTITION: ${event.output.rootPartition}`));
            }
            return {
              outbox,
              properties: { ...context.properties, ...found },
              env: { ...context.env, ...propertyValues(found), RESIZE_PART: String(event.output.resizePartition) },
            };
          }),
        },
        onError: failedIn(STEP.detection),
      },
      after: {
        taskTimeout: timedOutIn(STEP.detection, 'taskMs'),
      },
    },

    checkingProperties: {
      always: [
        {
          guard: 'detectedPropertiesInvalid',
          target: 'failing',
          actions: { type: 'fail', params: ({ context }) => ({ task: STEP.detection, reason: invalidProperties(context.properties)! }) },
        },
        { target: 'planning' },
      ],
    },

    planning: {
      entry: assign(({ context }) => {
        const plan = planTasks({ tasks: context.taskTable, osFamily: context.properties.OSFAMILY as OsFamily, properties: context.properties });
        return { plan: plan.steps, current: 0, outbox: [...context.outbox, ...plan.warnings.map(warningLine)] };
      }),
      always: [{ guard: 'planIsEmpty', target: 'finishing' }, { target: 'startingTask' }],
    },

    startingTask: {
      entry: assign(({ context }) => {
        const step = currentStep(context);
        const lines = [taskStartLine(step.task)];
        if (step.skipWarning) lines.push(warningLine(step.skipWarning));
        if (step.run) lines.push(...checkTaskValues(currentDescription(context), isSet(context)).warnings.map(warningLine));
        return { outbox: [...context.outbox, ...lines] };
      }),
      invoke: {
        id: 'writeMonitor',
        src: 'writeMonitor',
        input: ({ context }) => ({ lines: withinBudget(context.outbox, context.linesWritten) }),
        onDone: [
          { guard: 'taskSkipped', target: 'endingTask', actions: 'monitorWritten' },
          {
            guard: 'taskLacksValues',
            target: 'failing',
            actions: [
              'monitorWritten',
              {
                type: 'fail',
                params: ({ context }) => ({ task: currentStep(context).task, reason: checkTaskValues(currentDescription(context), isSet(context)).error! }),
              },
            ],
          },
          { target: 'runningTask', actions: 'monitorWritten' },
        ],
        onError: failedIn(STEP.monitor),
      },
      after: {
        effectTimeout: timedOutIn(STEP.monitor, 'effectMs'),
      },
    },

    runningTask: {
      entry: assign({ stderr: () => [] }),
      invoke: {
        id: 'runTask',
        src: 'runTask',
        input: ({ context }) => ({ task: currentStep(context).task, env: context.env, overridable: currentStep(context).overridable }),
        onDone: { target: 'endingTask', actions: assign({ env: ({ context, event }) => ({ ...context.env, ...event.output.values }) }) },
        onError: {
          target: 'failing',
          actions: { type: 'fail', params: ({ context, event }) => ({ task: currentStep(context).task, reason: reasonOf(event.error) }) },
        },
      },
      after: {
        taskTimeout: {
          target: 'failing',
          actions: {
            type: 'fail',
            params: ({ context }) => ({ task: currentStep(context).task, reason: `did not finish within ${seconds(context.timeouts.taskMs)}` }),
          },
        },
      },
    },

    endingTask: {
      entry: assign({ outbox: ({ context }) => [...context.outbox, taskEndLine(currentStep(context).task)] }),
      invoke: {
        id: 'writeMonitor',
        src: 'writeMonitor',
        input: ({ context }) => ({ lines: withinBudget(context.outbox, context.linesWritten) }),
        onDone: [
          { guard: 'moreTasks', target: 'startingTask', actions: ['monitorWritten', assign({ current: ({ context }) => context.current + 1 })] },
          { target: 'finishing', actions: 'monitorWritten' },
        ],
        onError: failedIn(STEP.monitor),
      },
      after: {
        effectTimeout: timedOutIn(STEP.monitor, 'effectMs'),
      },
    },

    finishing: {
      initial: 'choosing',
      states: {
        choosing: {
          always: [
            { guard: 'somethingMounted', target: 'unmountingLeftovers' },
            { guard: 'outboxEmpty', target: 'writingResult' },
            { target: 'flushingMonitor' },
          ],
        },
        // UmountImage unmounts the guest; what is left here is the config device, or mounts of a run that excluded UmountImage.
        unmountingLeftovers: {
          invoke: {
            id: 'unmountAll',
            src: 'unmountAll',
            input: ({ context }) => ({ mountpoints: [...context.mounts].reverse() }),
            onDone: [
              { guard: 'outboxEmpty', target: 'writingResult', actions: 'allUnmounted' },
              { target: 'flushingMonitor', actions: 'allUnmounted' },
            ],
            onError: failedIn(STEP.leftovers, '#helper.failing'),
          },
          after: {
            taskTimeout: timedOutIn(STEP.leftovers, 'taskMs', '#helper.failing'),
          },
        },
        flushingMonitor: {
          invoke: {
            id: 'writeMonitor',
            src: 'writeMonitor',
            input: ({ context }) => ({ lines: withinBudget(context.outbox, context.linesWritten) }),
            onDone: { target: 'writingResult', actions: 'monitorWritten' },
            onError: failedIn(STEP.monitor, '#helper.failing'),
          },
          after: {
            effectTimeout: timedOutIn(STEP.monitor, 'effectMs', '#helper.failing'),
          },
        },
        writingResult: {
          invoke: {
            id: 'writeResult',
            src: 'writeResult',
            input: { line: 'SUCCESS' },
            onDone: { target: '#helper.poweringOff' },
            onError: failedIn(STEP.result, '#helper.failing'),
          },
          after: {
            effectTimeout: timedOutIn(STEP.result, 'effectMs', '#helper.failing'),
          },
        },
      },
    },

    // Best effort from here on: a step that fails or hangs is passed over, so the VM always powers off.
    failing: {
      tags: ['failure'],
      initial: 'choosing',
      states: {
        choosing: {
          always: [{ guard: 'somethingMounted', target: 'unmounting' }, { target: 'reportingError' }],
        },
        unmounting: {
          invoke: {
            id: 'unmountAll',
            src: 'unmountAll',
            input: ({ context }) => ({ mountpoints: [...context.mounts].reverse() }),
            onDone: { target: 'reportingError', actions: 'allUnmounted' },
            onError: {
              target: 'reportingError',
              actions: { type: 'queueWarning', params: ({ event }) => `Unmounting after the failure: ${reasonOf(event.error)}` },
            },
          },
          after: {
            taskTimeout: {
              target: 'reportingError',
              actions: { type: 'queueWarning', params: ({ context }) => `Unmounting after the failure did not finish within ${seconds(context.timeouts.taskMs)}` },
            },
          },
        },
        reportingError: {
          invoke: {
            id: 'writeMonitor',
            src: 'writeMonitor',
            input: ({ context }) => ({
              lines: [...withinBudget(context.outbox, context.linesWritten), errorLine(failureText(context.failure)), ...stderrLines(context.stderr)],
            }),
            onDone: { target: 'writingError' },
            onError: { target: 'writingError' },
          },
          after: { effectTimeout: { target: 'writingError' } },
        },
        writingError: {
          invoke: {
            id: 'writeResult',
            src: 'writeResult',
            input: ({ context }) => ({ line: errorLine(failureText(context.failure)) }),
            onDone: { target: '#helper.poweringOff' },
            onError: { target: '#helper.poweringOff' },
          },
          after: { effectTimeout: { target: '#helper.poweringOff' } },
        },
      },
    },

    poweringOff: {
      invoke: { id: 'powerOff', src: 'powerOff', input: {}, onDone: { target: 'off' }, onError: { target: 'off' } },
      after: { powerOffTimeout: { target: 'off' } },
    },

    off: { type: 'final' },
  },
  output: ({ context }) => ({ result: context.failure ? errorLine(failureText(context.failure)) : 'SUCCESS' }),
}));

function failureText(failure: HelperFailure | undefined): string {
  return failure ? `${failure.task}: ${failure.reason}` : 'unknown failure';
}
