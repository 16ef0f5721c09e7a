import type { Task, TaskContext } from '../task.ts';
import { isWindowsFamily } from './windows-task.ts';

/**
 * A task of the table whose Windows half lives in src/helper/windows: the
 * task's own code runs for its families, the Windows half for windows and
 * windows-legacy. One task name, as snf-image had one script per task, so
 * EXCLUDE_TASK_<NAME> and the monitor lines stay the same for every family.
 */
export function withWindowsHalf(task: Task, windowsHalf: (ctx: TaskContext) => Promise<void>): Task {
  return {
    ...task,
    families: [...new Set([...task.families, 'windows', 'windows-legacy'] as const)],
    async run(ctx) {
      if (isWindowsFamily(ctx)) return windowsHalf(ctx);
      return task.run(ctx);
    },
  };
}
