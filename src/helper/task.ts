import type { Secret } from '../effects/secret.ts';
import type { Processes } from '../effects/processes.ts';

/** The operating-system families snf-image knows (image property OSFAMILY). */
export const OS_FAMILIES = ['linux', 'windows', 'windows-legacy', 'freebsd', 'openbsd', 'netbsd'] as const;
export type OsFamily = (typeof OS_FAMILIES)[number];

/**
 * The exclusion attributes of a task, as snf-image's task_init_as gives them:
 * which EXCLUDE_* properties (and cloud-init mode) skip it, and whether an
 * image may override it with its own script.
 */
export interface TaskAttributes {
  readonly excludable: boolean;
  readonly fsResizeExcludable: boolean;
  readonly mountedExcludable: boolean;
  readonly cloudInitExcludable: boolean;
  readonly overwritable: boolean;
}

/**
 * Values a task reads, by snf-image's names without the SNF_IMAGE_ prefix
 * (HOSTNAME, PASSWD, DEV, TARGET, PROPERTY_USERS, NIC_0_MAC, ...). Secrets
 * stay wrapped until the task writes them inside the guest.
 */
export type TaskValue = string | Secret;
export type TaskEnv = ReadonlyMap<string, TaskValue>;

export interface TaskContext {
  readonly env: TaskEnv;
  readonly processes: Processes;
  readonly signal: AbortSignal;
  /** Reports a WARNING line on the monitor channel; the task goes on. */
  warn(message: string): void;
  /**
   * Mounting and unmounting guest filesystems. The helper tracks every mount
   * made through it, so whatever a failed run left mounted is unmounted in
   * reverse order before the VM powers off. Optional so a task that mounts
   * nothing can be tested without it.
   */
  readonly mounts?: Mounts;
  /** Partition device nodes of the instance disks. */
  readonly partitions?: PartitionNodes;
}

export interface MountRequest {
  readonly device: string;
  readonly mountpoint: string;
  /** The filesystem type for `mount -t`; mount probes it when absent. */
  readonly fstype?: string;
  readonly options?: readonly string[];
}

export interface Mounts {
  mount(request: MountRequest): Promise<void>;
  /** Unmounts everything mounted at or below `path`, deepest first, retrying busy ones. */
  unmountUnder(path: string): Promise<void>;
}

export interface PartitionNodes {
  /** The device node of partition `n` of `disk`: /dev/vdb1, /dev/loop0p1, /dev/nvme0n1p1. */
  path(disk: string, n: number): string;
  /** Makes the kernel's partition nodes match the table on the disk, after the table changed. */
  refresh(disk: string): Promise<void>;
}

/**
 * What a task hands on to the tasks after it, e.g. MountImage sets TARGET and
 * FixPartitionTable sets SWAP_PARTITION.
 */
export type TaskOutput = Readonly<Record<string, string>> | void;

/** One customization task; one file each under src/helper/tasks/. */
export interface Task {
  /** snf-image's name without the priority prefix, e.g. FixPartitionTable. */
  readonly name: string;
  /** The two-digit priority of snf-image's run-parts order (10, 20, 30, 35, ...). */
  readonly priority: number;
  readonly runAfter: readonly string[];
  readonly runBefore: readonly string[];
  readonly families: readonly OsFamily[];
  /** Values without which the task cannot run: missing is an error naming them. */
  readonly requires: readonly string[];
  /** Values the task uses when present: missing is a warning. */
  readonly uses: readonly string[];
  readonly attributes: TaskAttributes;
  run(ctx: TaskContext): Promise<TaskOutput>;
}
