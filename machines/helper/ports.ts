import type { Effect } from '../../src/effects/effect.ts';
import type { TaskValue } from './task-declaration.ts';

/**
 * HelperEffects: every effect the helper machine invokes, with plain-data
 * inputs and outputs so that a run can be traced and replayed. Secrets in
 * task values stay wrapped (a trace shows them as ***).
 *
 * While they run, effects report to the machine with these events:
 * - `helper.mounted` / `helper.unmounted` `{ mountpoint }`: a guest
 *   filesystem or the config device was mounted or unmounted, so the machine
 *   knows what to unmount, in reverse order, when a run fails;
 * - `helper.warning` `{ message }`: a task's warning, for the monitor;
 * - `helper.stderr` `{ lines }`: the stderr tail of a command that failed.
 */
export type HelperEffects = {
  /** Reads and validates rules.json (mounting the config device read-only when there is one). */
  readonly readRules: Effect<Record<string, never>, RulesRead>;
  /** Reads the partition table of the first disk and, when asked, detects OSFAMILY and ROOT_PARTITION. */
  readonly detect: Effect<DetectInput, DiskFacts>;
  readonly runTask: Effect<RunTaskInput, RunTaskOutput>;
  /** Writes lines to the monitor channel (snf-image's ttyS2 protocol). */
  readonly writeMonitor: Effect<{ readonly lines: readonly string[] }, void>;
  /** Writes the one result line (SUCCESS or ERROR: ...) to the result channel. */
  readonly writeResult: Effect<{ readonly line: string }, void>;
  /** Unmounts the given mountpoints in the given order, retrying busy ones. */
  readonly unmountAll: Effect<{ readonly mountpoints: readonly string[] }, void>;
  readonly powerOff: Effect<Record<string, never>, void>;
};

export const HELPER_EFFECTS = ['readRules', 'detect', 'runTask', 'writeMonitor', 'writeResult', 'unmountAll', 'powerOff'] as const satisfies readonly (keyof HelperEffects)[];

export interface RulesRead {
  /** rules.env plus the config-device files (UNATTEND, SYSPREPINF); secrets wrapped. */
  readonly env: Readonly<Record<string, TaskValue>>;
  readonly devices: readonly string[];
  readonly forcedProperties: Readonly<Record<string, string>>;
}

export interface DetectInput {
  readonly device: string;
  readonly detectOsFamily: boolean;
  readonly detectRootPartition: boolean;
}

export interface DiskFacts {
  readonly osFamily?: string;
  readonly rootPartition?: number;
  /** The partition that FixPartitionTable grows and the resize tasks resize (snf-image's RESIZE_PART). */
  readonly resizePartition: number;
}

export interface RunTaskInput {
  readonly task: string;
  readonly env: Readonly<Record<string, TaskValue>>;
  /** The image may replace or wrap the task with its own script. */
  readonly overridable: boolean;
}

export interface RunTaskOutput {
  /** Values the task hands on (TARGET, SWAP_PARTITION, ...). */
  readonly values: Readonly<Record<string, string>>;
}

export type HelperEffectEvent =
  | { readonly type: 'helper.mounted'; readonly mountpoint: string }
  | { readonly type: 'helper.unmounted'; readonly mountpoint: string }
  | { readonly type: 'helper.warning'; readonly message: string }
  | { readonly type: 'helper.stderr'; readonly lines: readonly string[] };
