import type { Actor } from 'xstate';
import { hostMachine, type HostOutput, type MonitorReport } from '../../machines/host/machine.ts';
import { untilAborted, type EffectContext } from '../../src/effects/effect.ts';
import { startMachine } from '../../src/effects/run-machine.ts';
import { memoryTracer, type TraceEvent } from '../../src/effects/trace.ts';
import { VirtualClock } from '../../src/effects/virtual-clock.ts';
import type { DeploymentPlan, HostEffects, Resource } from '../../machines/host/ports.ts';

export const plan: DeploymentPlan = {
  instance: 'vm1.example.org',
  helperTimeouts: { bootMs: 60_000, softMs: 120_000, hardMs: 5_000 },
  image: { id: 'debian-12.diskdump', format: 'diskdump' },
  disk: '/dev/vg/disk0',
  backends: { imageDir: '/var/lib/snf-image', backendsConfigDir: '/etc/snf-image/backends' },
  helper: {
    boot: { setting: 'auto', qemu: ['qemu-system-x86_64'], machine: 'microvm', helperDir: '/var/lib/snf-image/helper', memoryMiB: 512 },
    user: 'nobody',
    sandbox: true,
    debug: false,
    diskType: 'paravirtual',
    otherDisks: [],
  },
  configDevice: {
    instanceName: 'vm1.example.org',
    image: { id: 'debian-12.diskdump', format: 'diskdump' },
    parameters: { img_id: 'debian-12.diskdump', img_format: 'diskdump', img_properties: '{"OSFAMILY":"linux"}' },
    nics: { NIC_COUNT: '0' },
    diskType: 'paravirtual',
    diskCount: 1,
    config: {
      HELPER_MACHINE_TYPE: 'microvm',
      UNATTEND: undefined,
      WINDOWS_TIMEZONE: 'GMT Standard Time',
      DHCP_TAGS: [],
      STATEFUL_DHCPV6_TAGS: [],
      STATELESS_DHCPV6_TAGS: [],
      DEFAULT_NIC_CONFIG: 'dhcp',
      CLOUD_INIT_DEBUG: false,
    },
  },
};

/** A world that works: every effect succeeds; what was released is noted in order. */
export function workingWorld() {
  const released: Resource[] = [];
  const signals: string[] = [];
  const aborted: string[] = [];
  let vmExit: (exit: { exitCode: number | null; signal: string | null }) => void = () => {};
  const effects: HostEffects = {
    validate: async () => plan,
    selectBackends: async () => ({ source: { backend: 'local', size: 4096 }, destination: { backend: 'local', path: '/dev/vg/disk0' } }),
    attachDestination: async () => ({ target: '/dev/loop7', resources: [{ kind: 'loop', id: '/dev/loop7' }] }),
    copyImage: async (_input, ctx) => {
      ctx.emit({ type: 'copy.progress', position: 4096, total: 4096, progress: 100 });
      return { bytes: 4096, seconds: 1 };
    },
    writeConfigDevice: async () => ({
      configDevice: '/tmp/w/config.img',
      resultChannel: '/tmp/w/result',
      resources: [{ kind: 'tempdir', id: '/tmp/w' }],
    }),
    chooseAccelerator: async () => ({ accelerator: 'kvm', fallbackToTcg: true, reason: 'KVM probe: the helper kernel ran the probe init' }),
    markAcceleratorBad: async () => {},
    runHelper: async (_input, ctx: EffectContext) => {
      ctx.emit({ type: 'helper.started', pid: 4242 });
      ctx.emit({ type: 'helper.alive' });
      ctx.emit({ type: 'helper.monitor', message: { type: 'image-helper', subtype: 'task-start', task: 'FixPartitionTable' } });
      ctx.emit({ type: 'helper.monitor', message: { type: 'image-helper', subtype: 'task-end', task: 'FixPartitionTable' } });
      return { exitCode: 0, signal: null };
    },
    signalHelper: async ({ signal }) => {
      signals.push(signal);
      if (signal === 'SIGKILL') vmExit({ exitCode: null, signal: 'SIGKILL' });
    },
    readResult: async () => ({ firstLine: 'SUCCESS' }),
    releaseResource: async (resource) => {
      released.push(resource);
    },
  };
  /** A helper VM that booted and never finishes by itself: it ends only when killed. */
  const stuckHelper: HostEffects['runHelper'] = (_input, ctx) =>
    new Promise((resolve, reject) => {
      ctx.emit({ type: 'helper.started', pid: 4242 });
      ctx.emit({ type: 'helper.alive' });
      vmExit = resolve;
      untilAborted(ctx.signal, 'runHelper').catch((error) => {
        aborted.push('runHelper');
        reject(error);
      });
    });
  /** Makes the stuck helper exit, as a VM that obeys a signal does. */
  const exitStuckHelper = (exit: { exitCode: number | null; signal: string | null }) => vmExit(exit);
  return { effects, released, signals, aborted, stuckHelper, exitStuckHelper };
}

export interface HostRun {
  readonly actor: Actor<typeof hostMachine>;
  readonly clock: VirtualClock;
  readonly trace: TraceEvent[];
  readonly reports: MonitorReport[];
  finish(): Promise<HostOutput>;
}

export function startHost(effects: HostEffects): HostRun {
  const clock = new VirtualClock();
  const tracer = memoryTracer(clock);
  const actor = startMachine(hostMachine, effects, { clock, trace: tracer, name: 'host' });
  const reports: MonitorReport[] = [];
  actor.on('report', (e) => reports.push(e.report));
  return {
    actor,
    clock,
    trace: tracer.events,
    reports,
    async finish() {
      const finished = await clock.runUntil(() => actor.getSnapshot().status === 'done');
      if (!finished) throw new Error(`host machine did not finish; it is in ${JSON.stringify(actor.getSnapshot().value)}`);
      return actor.getSnapshot().output!;
    },
  };
}

export function finalState(run: HostRun): unknown {
  return run.actor.getSnapshot().value;
}

/** The state values the machine went through, in order, as dotted paths. */
export function visitedStates(trace: readonly TraceEvent[]): string[] {
  return trace.filter((e) => e.kind === 'transition').map((e) => statePath((e as { state: unknown }).state));
}

export function statePath(value: unknown): string {
  if (typeof value === 'string') return value;
  const [key, child] = Object.entries(value as Record<string, unknown>)[0]!;
  return `${key}.${statePath(child)}`;
}
