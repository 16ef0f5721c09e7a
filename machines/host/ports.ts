import type { Effect } from '../../src/effects/effect.ts';
import type { AcceleratorQuestion, BackendsConfig, ConfigDeviceRequest, HelperDiskType, ImageFormat } from './plan.ts';

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

/** img_id and img_format, and img_checksum when given. */
export interface ImageToDeploy {
  readonly id: string;
  readonly format: ImageFormat;
  readonly checksum?: string;
}

/** How the helper VM is started, besides the accelerator question. */
export interface HelperVmSettings {
  /** HELPER_ACCEL, QEMU, HELPER_MACHINE_TYPE, HELPER_DIR, HELPER_MEMORY: what the accelerator choice and its probe read. */
  readonly boot: AcceleratorQuestion;
  readonly user: string;
  /** HELPER_SANDBOX: qemu under its seccomp sandbox, where it has one. */
  readonly sandbox: boolean;
  readonly debug: boolean;
  readonly diskType: HelperDiskType;
  /** The instance's disks after the first, which the image goes onto: the helper sees them all. */
  readonly otherDisks: readonly string[];
}

/**
 * The validated deployment, as plain data. The machine reads the timeouts
 * and hands each effect only its part, so a trace's effect.call lines carry
 * what the effect used and no more.
 */
export interface DeploymentPlan {
  readonly instance: string;
  readonly helperTimeouts: HelperTimeouts;
  readonly image: ImageToDeploy;
  /** The instance's first disk, as Ganeti gives it: the image goes onto it. */
  readonly disk: string;
  readonly backends: BackendsConfig;
  readonly helper: HelperVmSettings;
  /** What writeConfigDevice tells the helper; passwords stay Secret. */
  readonly configDevice: ConfigDeviceRequest;
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
  readonly selectBackends: Effect<{ imageId: string; disk: string; config: BackendsConfig }, BackendChoice>;
  readonly attachDestination: Effect<BackendChoice['destination'], AttachedDestination>;
  /** Emits `copy.progress` events ({ position, total, progress }). */
  readonly copyImage: Effect<{ image: ImageToDeploy; source: string; target: string; config: BackendsConfig }, CopySummary>;
  readonly writeConfigDevice: Effect<ConfigDeviceRequest, ConfigDevice>;
  /** HELPER_ACCEL, with `auto` decided by a probe that boots the helper's kernel (its verdict kept per host boot). */
  readonly chooseAccelerator: Effect<AcceleratorQuestion, AcceleratorChoice>;
  /** Remembers, for the rest of this host boot, that the helper does not boot under the accelerator. */
  readonly markAcceleratorBad: Effect<{ boot: AcceleratorQuestion; accelerator: Accelerator; reason: string }, void>;
  /**
   * Starts the helper VM and resolves when it exits. Emits `helper.started`
   * ({ pid }) once, `helper.alive` once at its first console output or
   * monitor data, `helper.acceleratorFailed` ({ line }) when qemu reports a
   * KVM internal error, and `helper.monitor` ({ message }) per monitor message.
   */
  readonly runHelper: Effect<{ helper: HelperVmSettings; accelerator: Accelerator; target: string; configDevice: string; resultChannel: string }, HelperExit>;
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
