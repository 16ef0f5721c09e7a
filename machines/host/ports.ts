import type { Effect } from '../../src/effects/effect.ts';

/**
 * The port of the create lifecycle: every effect machines/host/machine.ts invokes,
 * with plain-data inputs and outputs so a run can be traced and replayed.
 * src/host/real-host-effects.ts implements it against the world.
 */

/** Something taken that must be given back: a temp dir, a loop or nbd device, a process. */
export interface Resource {
  readonly kind: string;
  /** What identifies it to the one releasing it: a path, a device node, a pid. */
  readonly id: string;
}

export interface HelperTimeouts {
  /** HELPER_BOOT_TIMEOUT: the helper must show a sign of life (console output, a monitor line) by then. */
  readonly bootMs: number;
  readonly softMs: number;
  readonly hardMs: number;
}

export type Accelerator = 'kvm' | 'tcg';

export interface AcceleratorChoice {
  readonly accelerator: Accelerator;
  /** HELPER_ACCEL=auto chose KVM: should the helper not boot under it, TCG gets one more try. */
  readonly fallbackToTcg: boolean;
  /** Why, in words for the log and the trace. */
  readonly reason: string;
  /** How long the probe took, when it ran for this create (not remembered from an earlier one). */
  readonly probeMs?: number;
}

/** The validated deployment. The machine reads only the timeouts; effects read the rest. */
export interface DeploymentPlan {
  readonly instance: string;
  readonly helperTimeouts: HelperTimeouts;
  readonly [detail: string]: unknown;
}

export interface BackendChoice {
  readonly source: { readonly backend: string; readonly size?: number };
  readonly destination: { readonly backend: string; readonly path: string };
}

export interface AttachedDestination {
  /** The path the image is written to and the helper VM sees. */
  readonly target: string;
  readonly resources: readonly Resource[];
}

export interface CopySummary {
  readonly bytes: number;
  readonly seconds: number;
}

export interface ConfigDevice {
  readonly configDevice: string;
  readonly resultChannel: string;
  readonly resources: readonly Resource[];
}

export interface HelperExit {
  readonly exitCode: number | null;
  readonly signal: string | null;
}

export interface HelperResult {
  readonly firstLine: string;
}

export type HelperSignal = 'SIGTERM' | 'SIGKILL';

export type HostEffects = {
  readonly validate: Effect<Record<string, never>, DeploymentPlan>;
  readonly selectBackends: Effect<{ plan: DeploymentPlan }, BackendChoice>;
  readonly attachDestination: Effect<{ plan: DeploymentPlan; backends: BackendChoice }, AttachedDestination>;
  /** Emits `copy.progress` events ({ position, total, progress }). */
  readonly copyImage: Effect<{ plan: DeploymentPlan; backends: BackendChoice; target: string }, CopySummary>;
  readonly writeConfigDevice: Effect<{ plan: DeploymentPlan; target: string }, ConfigDevice>;
  /** HELPER_ACCEL, with `auto` decided by a probe that boots the helper's kernel (its verdict kept per host boot). */
  readonly chooseAccelerator: Effect<{ plan: DeploymentPlan }, AcceleratorChoice>;
  /** Remembers, for the rest of this host boot, that the helper does not boot under the accelerator. */
  readonly markAcceleratorBad: Effect<{ plan: DeploymentPlan; accelerator: Accelerator; reason: string }, void>;
  /**
   * Starts the helper VM and resolves when it exits. Emits `helper.started`
   * ({ pid }) once, `helper.alive` once at its first console output or
   * monitor data, `helper.acceleratorFailed` ({ line }) when qemu reports a
   * KVM internal error, and `helper.monitor` ({ message }) per monitor message.
   */
  readonly runHelper: Effect<{ plan: DeploymentPlan; accelerator: Accelerator; target: string; configDevice: string; resultChannel: string }, HelperExit>;
  readonly signalHelper: Effect<{ pid: number; signal: HelperSignal }, void>;
  readonly readResult: Effect<{ path: string }, HelperResult>;
  readonly releaseResource: Effect<Resource, void>;
};

export const HOST_EFFECT_NAMES = [
  'validate',
  'selectBackends',
  'attachDestination',
  'copyImage',
  'writeConfigDevice',
  'chooseAccelerator',
  'markAcceleratorBad',
  'runHelper',
  'signalHelper',
  'readResult',
  'releaseResource',
] as const satisfies readonly (keyof HostEffects)[];
