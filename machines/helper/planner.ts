import { orderTasks } from './task-order.ts';
import { checkYesNo } from './yes-no.ts';
import type { OsFamily, TaskDeclaration } from './task-declaration.ts';

/**
 * One step of the plan. Every task of the table gets a step, run or not, so
 * the monitor shows TASK_START/TASK_END for each as snf-image did; a skipped
 * task says why in `skipWarning` (none when the task is simply not for this
 * OS family, or when a group property excluded it: the plan's warnings say
 * that once for the group).
 */
export interface PlannedTask {
  readonly task: string;
  readonly run: boolean;
  readonly skipWarning?: string;
  /** The image may replace or wrap this task (ALLOW_MOUNTED_TASK_OVERWRITING, snf-image 7.6). */
  readonly overridable: boolean;
}

export interface Plan {
  readonly steps: readonly PlannedTask[];
  /** Warnings about the properties the plan read (check_yes_no). */
  readonly warnings: readonly string[];
}

export interface PlanInput {
  readonly tasks: readonly TaskDeclaration[];
  readonly osFamily: OsFamily;
  /** Image properties by upper-case name (OSFAMILY, EXCLUDE_TASK_ADDSWAP, ...). */
  readonly properties: Readonly<Record<string, string>>;
}

export function planTasks({ tasks, osFamily, properties }: PlanInput): Plan {
  const warnings: string[] = [];
  const flag = (name: string) =>
    checkYesNo(name, properties[name], (message) => {
      if (!warnings.includes(message)) warnings.push(message);
    });
  const excludeMounted = flag('EXCLUDE_MOUNTED_TASKS');
  const excludeResize = flag('EXCLUDE_FILESYSTEMRESIZE_TASKS');
  const cloudInit = flag('CLOUD_INIT');
  const allowOverride = flag('ALLOW_MOUNTED_TASK_OVERWRITING');

  // A property that excludes a whole group is reported once, naming the group, rather than
  // once a task: an import with IMPORT_RESIZE excludes a dozen mounted tasks.
  const excludedBy: Record<string, string[]> = { EXCLUDE_FILESYSTEMRESIZE_TASKS: [], EXCLUDE_MOUNTED_TASKS: [] };
  const steps = orderTasks(tasks).map((task): PlannedTask => {
    const skip = (skipWarning?: string): PlannedTask => ({ task: task.name, run: false, overridable: false, ...(skipWarning ? { skipWarning } : {}) });
    const skipForGroup = (property: string): PlannedTask => (excludedBy[property]!.push(task.name), skip());
    const { attributes: a } = task;
    if (!task.families.includes(osFamily)) return skip();
    if (a.excludable && flag(`EXCLUDE_TASK_${task.name.toUpperCase()}`)) return skip(`Task ${task.name} was excluded and will not run.`);
    if (a.fsResizeExcludable && excludeResize) return skipForGroup('EXCLUDE_FILESYSTEMRESIZE_TASKS');
    if (a.mountedExcludable && excludeMounted) return skipForGroup('EXCLUDE_MOUNTED_TASKS');
    if (a.cloudInitExcludable && cloudInit) return skip(`Task ${task.name} not running when cloud-init enabled.`);
    return { task: task.name, run: true, overridable: a.overwritable && allowOverride };
  });
  for (const [property, names] of Object.entries(excludedBy)) {
    if (names.length > 0) warnings.push(`Tasks ${names.join(', ')} were excluded by ${property} and will not run.`);
  }
  return { steps, warnings };
}

/**
 * What a task lacks before it runs: a required value missing is an error
 * naming it, an optional one a warning. Empty counts as missing, as in
 * snf-image's `[ -z "$VAR" ]` checks.
 */
export function checkTaskValues(task: TaskDeclaration, present: (name: string) => boolean): { error?: string; warnings: string[] } {
  const missingRequired = task.requires.filter((name) => !present(name));
  const warnings = task.uses.filter((name) => !present(name)).map((name) => `${name} is not set; task ${task.name} goes on without it`);
  if (missingRequired.length === 0) return { warnings };
  const list = missingRequired.join(', ');
  return { error: `task ${task.name} needs ${list}, which ${missingRequired.length > 1 ? 'are' : 'is'} not set`, warnings };
}
