import type { Secret } from '../../../../src/effects/secret.ts';
import type { Task } from '../../../../src/helper/task.ts';
import { taskContext } from './task-context.ts';
import { changesBetween, describeChanges, snapshot, type Change } from './tree-changes.ts';

export interface TaskRun {
  readonly changes: Change[];
  readonly warnings: string[];
  /** The report of every file the task wrote, for a golden check. */
  readonly report: string;
}

/** Runs a task on a guest tree with TARGET set, and reports every path it touched. */
export async function runTaskOn(
  task: Task,
  root: string,
  values: Readonly<Record<string, string | Secret>>,
  normalize?: (path: string, text: string) => string,
): Promise<TaskRun> {
  const before = await snapshot(root);
  const { ctx, warnings } = taskContext({ TARGET: root, ...values });
  await task.run(ctx);
  const changes = changesBetween(before, await snapshot(root));
  return { changes, warnings, report: await describeChanges(root, changes, normalize) };
}
