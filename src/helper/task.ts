import type { TaskDeclaration, TaskEnv } from '../../machines/helper/task-declaration.ts';
import type { Processes } from '../effects/processes.ts';
import type { PartitionTable } from './partition-table.ts';

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
  /** Makes sure the kernel's partition nodes are `table`'s, refreshing them only when they are not. */
  ensureMatches(disk: string, table: PartitionTable): Promise<void>;
}

/**
 * What a task hands on to the tasks after it, e.g. MountImage sets TARGET and
 * FixPartitionTable sets SWAP_PARTITION.
 */
export type TaskOutput = Readonly<Record<string, string>> | void;

/** One customization task; one file each under src/helper/tasks/. */
export interface Task extends TaskDeclaration {
  run(ctx: TaskContext): Promise<TaskOutput>;
}

/** The task as the machine sees it: its declaration, without its code. */
export function declarationOf(task: Task): TaskDeclaration {
  const { run: _run, ...declaration } = task;
  return declaration;
}
