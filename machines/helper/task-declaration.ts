import type { Secret } from '../../src/effects/secret.ts';

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

/**
 * A task as the planner and the machine see it: what it is called, where it
 * runs in the order, which families and values it needs. Plain data; the code
 * that runs it lives in src/helper/tasks/.
 */
export interface TaskDeclaration {
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
}
