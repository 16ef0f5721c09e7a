import type { Task, TaskContext } from '../task.ts';
import { BSD_FAMILIES, isBsdFamily } from './bsd-task.ts';

/**
 * A task of the table whose FreeBSD, OpenBSD and NetBSD half lives in
 * src/helper/bsd: the task's own code runs for its families, the BSD half for
 * the three BSDs. One task name for every family, as with withWindowsHalf.
 */
export function withBsdHalf(task: Task, bsdHalf: (ctx: TaskContext) => Promise<void>): Task {
  return {
    ...task,
    families: [...new Set([...task.families, ...BSD_FAMILIES])],
    async run(ctx) {
      if (isBsdFamily(ctx)) return bsdHalf(ctx);
      return task.run(ctx);
    },
  };
}
