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
  /**
   * Set when the deployment asks for work the OS family has no
   * implementation of: the run must fail before touching the disk rather
   * than skip the task and report SUCCESS.
   */
  readonly failure?: { readonly task: string; readonly reason: string };
}

export interface PlanInput {
  readonly tasks: readonly TaskDeclaration[];
  readonly osFamily: OsFamily;
  /** Image properties by upper-case name (OSFAMILY, EXCLUDE_TASK_ADDSWAP, ...). */
  readonly properties: Readonly<Record<string, string>>;
  /** Whether a task value (HOSTNAME, PASSWD, PROPERTY_SWAP, ...) is set and not empty. */
  readonly isSet: (name: string) => boolean;
}

export function planTasks({ tasks, osFamily, properties, isSet }: PlanInput): Plan {
  const warnings: string[] = [];
  const flag = (name: string) =>
    checkYesNo(name, properties[name], (message) => {
      if (!warnings.includes(message)) warnings.push(message);
    });
  const excludeMounted = flag('EXCLUDE_MOUNTED_TASKS');
  const excludeResize = flag('EXCLUDE_FILESYSTEMRESIZE_TASKS');
  const cloudInit = flag('CLOUD_INIT');
  const allowOverride = flag('ALLOW_MOUNTED_TASK_OVERWRITING');

  const missing: TaskDeclaration[] = [];
  // A property that excludes a whole group is reported once, naming the group, rather than
  // once a task: an import with IMPORT_RESIZE excludes a dozen mounted tasks.
  const excludedBy: Record<string, string[]> = { EXCLUDE_FILESYSTEMRESIZE_TASKS: [], EXCLUDE_MOUNTED_TASKS: [] };
  const steps = orderTasks(tasks).map((task): PlannedTask => {
    const skip = (skipWarning?: string): PlannedTask => ({ task: task.name, run: false, overridable: false, ...(skipWarning ? { skipWarning } : {}) });
    const { attributes: a } = task;
    const exclusion: { warning: string } | { group: string } | undefined =
      a.excludable && flag(`EXCLUDE_TASK_${task.name.toUpperCase()}`) ? { warning: `Task ${task.name} was excluded and will not run.` }
      : a.fsResizeExcludable && excludeResize ? { group: 'EXCLUDE_FILESYSTEMRESIZE_TASKS' }
      : a.mountedExcludable && excludeMounted ? { group: 'EXCLUDE_MOUNTED_TASKS' }
      : a.cloudInitExcludable && cloudInit ? { warning: `Task ${task.name} not running when cloud-init enabled.` }
      : undefined;
    const skipExcluded = (why: { warning: string } | { group: string }): PlannedTask => {
      if ('warning' in why) return skip(why.warning);
      excludedBy[why.group]!.push(task.name);
      return skip();
    };
    if (!task.families.includes(osFamily)) {
      if (!isAskedFor(task, osFamily, isSet)) return skip();
      // The image gave up what the family cannot have: say so, as for any excluded task.
      if (exclusion) return skipExcluded(exclusion);
      missing.push(task);
      return skip();
    }
    if (exclusion) return skipExcluded(exclusion);
    return { task: task.name, run: true, overridable: a.overwritable && allowOverride };
  });
  for (const [property, names] of Object.entries(excludedBy)) {
    if (names.length > 0) warnings.push(`Tasks ${names.join(', ')} were excluded by ${property} and will not run.`);
  }
  return { steps, warnings, ...(missing.length > 0 ? { failure: notImplemented(missing, osFamily, isSet) } : {}) };
}

function isAskedFor(task: TaskDeclaration, osFamily: OsFamily, isSet: (name: string) => boolean): boolean {
  const asked = task.askedFor;
  if (!asked || !asked.families.includes(osFamily)) return false;
  return asked.whenSet === undefined || asked.whenSet.some(isSet);
}

/** One sentence naming the family, the first task it lacks (with what asked for it and how to exclude it), and any others. */
function notImplemented(missing: readonly TaskDeclaration[], osFamily: OsFamily, isSet: (name: string) => boolean): { task: string; reason: string } {
  const [first, ...others] = missing as [TaskDeclaration, ...TaskDeclaration[]];
  const setValues = (first.askedFor!.whenSet ?? []).filter(isSet);
  const because = setValues.length > 0 ? `the deployment sets ${setValues.join(', ')}` : `snf-image does it for every ${osFamily} image`;
  const also = others.length > 0 ? `; it lacks ${others.map((t) => t.name).join(', ')} too` : '';
  return {
    task: first.name,
    reason: `task ${first.name} is not implemented for OSFAMILY ${osFamily} and ${because}: no task ran; exclude the task with ${exclusionHint(first)} to deploy without it${also}`,
  };
}

function exclusionHint(task: TaskDeclaration): string {
  const a = task.attributes;
  const hints = [
    ...(a.excludable ? [`EXCLUDE_TASK_${task.name.toUpperCase()}=yes`] : []),
    ...(a.fsResizeExcludable ? ['EXCLUDE_FILESYSTEMRESIZE_TASKS=yes'] : []),
    ...(a.mountedExcludable ? ['EXCLUDE_MOUNTED_TASKS=yes'] : []),
  ];
  return hints.length > 0 ? hints.join(' or ') : 'EXCLUDE_ALL_TASKS=yes';
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
