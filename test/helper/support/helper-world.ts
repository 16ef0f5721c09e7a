import type { Actor } from 'xstate';
import { helperMachine, type HelperInput } from '../../../machines/helper/machine.ts';
import type { EffectContext } from '../../../src/effects/effect.ts';
import { startMachine } from '../../../src/effects/run-machine.ts';
import { Secret } from '../../../src/effects/secret.ts';
import { memoryTracer, type TraceEvent } from '../../../src/effects/trace.ts';
import { VirtualClock } from '../../../src/effects/virtual-clock.ts';
import type { HelperEffects } from '../../../machines/helper/ports.ts';
import type { TaskDeclaration } from '../../../machines/helper/task-declaration.ts';

const attributes = { excludable: true, fsResizeExcludable: false, mountedExcludable: false, cloudInitExcludable: false, overwritable: false };
const description = (name: string, priority: number, extra: Partial<TaskDeclaration> = {}): TaskDeclaration => ({
  name,
  priority,
  runAfter: [],
  runBefore: [],
  families: ['linux', 'windows'],
  requires: [],
  uses: [],
  attributes,
  ...extra,
});

/** A small task table shaped like the real one: mount, customize, unmount. */
export const TASK_TABLE: readonly TaskDeclaration[] = [
  description('FixPartitionTable', 10, { requires: ['DEV'] }),
  description('MountImage', 30, { requires: ['DEV', 'PROPERTY_ROOT_PARTITION'], attributes: { ...attributes, excludable: false, mountedExcludable: true } }),
  description('AssignHostname', 50, { requires: ['TARGET', 'HOSTNAME'], uses: ['PROPERTY_USERS'], attributes: { ...attributes, mountedExcludable: true } }),
  description('UmountImage', 80, { requires: ['TARGET'], attributes: { ...attributes, excludable: false, mountedExcludable: true } }),
];

export const CONFIG_MOUNT = '/run/snf-image/config';
export const GUEST_MOUNTS = ['/run/snf-image/target', '/run/snf-image/target/boot'];

/** A helper VM where everything works; it remembers what was mounted, unmounted and written. */
export function workingWorld(properties: Record<string, unknown> = { OSFAMILY: 'linux', ROOT_PARTITION: '1' }, { configMount = true } = {}) {
  const monitor: string[] = [];
  const result: string[] = [];
  const mounted: string[] = [];
  const unmounted: string[] = [];
  const ran: string[] = [];
  let poweredOff = 0;
  const mount = (ctx: EffectContext, mountpoint: string) => {
    mounted.push(mountpoint);
    ctx.emit({ type: 'helper.mounted', mountpoint });
  };
  const unmount = (ctx: EffectContext, mountpoint: string) => {
    unmounted.push(mountpoint);
    ctx.emit({ type: 'helper.unmounted', mountpoint });
  };
  const effects: HelperEffects = {
    readRules: async (_input, ctx) => {
      if (configMount) mount(ctx, CONFIG_MOUNT);
      return {
        env: { HOSTNAME: 'vm1.example.org', PASSWD: new Secret('s3cret'), PROPERTIES: JSON.stringify(properties) },
        devices: ['/dev/vdb'],
        forcedProperties: {},
      };
    },
    detect: async () => ({ osFamily: 'linux', rootPartition: 2, resizePartition: 2 }),
    runTask: async ({ task, env }, ctx): Promise<{ values: Record<string, string> }> => {
      ran.push(task);
      if (task === 'MountImage') {
        for (const m of GUEST_MOUNTS) mount(ctx, m);
        return { values: { TARGET: GUEST_MOUNTS[0]! } };
      }
      if (task === 'AssignHostname') ctx.emit({ type: 'helper.warning', message: `hostname set to ${String(env.HOSTNAME)}` });
      if (task === 'UmountImage') for (const m of [...GUEST_MOUNTS].reverse()) unmount(ctx, m);
      return { values: {} };
    },
    writeMonitor: async ({ lines }) => {
      monitor.push(...lines);
    },
    writeResult: async ({ line }) => {
      result.push(line);
    },
    unmountAll: async ({ mountpoints }, ctx) => {
      for (const m of mountpoints) unmount(ctx, m);
    },
    powerOff: async () => {
      poweredOff += 1;
    },
  };
  return {
    effects,
    monitor,
    result,
    mounted,
    unmounted,
    ran,
    get poweredOff() {
      return poweredOff;
    },
  };
}

export interface HelperRun {
  readonly actor: Actor<typeof helperMachine>;
  readonly clock: VirtualClock;
  readonly trace: TraceEvent[];
  finish(): Promise<{ result: string }>;
}

export function startHelperRun(effects: HelperEffects, input: Partial<HelperInput> = {}): HelperRun {
  const clock = new VirtualClock();
  const tracer = memoryTracer(clock);
  const actor = startMachine(helperMachine, effects as never, { clock, trace: tracer, name: 'helper', input: { tasks: TASK_TABLE, ...input } });
  return {
    actor,
    clock,
    trace: tracer.events,
    async finish() {
      const finished = await clock.runUntil(() => actor.getSnapshot().status === 'done');
      if (!finished) throw new Error(`helper machine did not finish; it is in ${JSON.stringify(actor.getSnapshot().value)}`);
      return actor.getSnapshot().output!;
    },
  };
}

export function statePath(value: unknown): string {
  if (typeof value === 'string') return value;
  const [key, child] = Object.entries(value as Record<string, unknown>)[0]!;
  return `${key}.${statePath(child)}`;
}
