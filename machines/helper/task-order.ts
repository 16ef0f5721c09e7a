import { SnfImageError } from '../../src/errors.ts';
import type { TaskDeclaration } from './task-declaration.ts';

export class TaskOrderError extends SnfImageError {
  override readonly name = 'TaskOrderError';
}

/**
 * Orders tasks so that every runAfter/runBefore holds; among tasks free to
 * run, the lower priority goes first, then the name in C-locale order (which
 * is what snf-image's run-parts gave with its two-digit prefixes). A
 * dependency on a task that is not in the table is ignored, so a task may
 * name an optional neighbour.
 */
export function orderTasks<T extends TaskDeclaration>(tasks: readonly T[]): T[] {
  const byName = new Map(tasks.map((t) => [t.name, t]));
  const after = new Map<string, Set<string>>(tasks.map((t) => [t.name, new Set<string>()]));
  for (const task of tasks) {
    for (const earlier of task.runAfter) if (byName.has(earlier)) after.get(task.name)!.add(earlier);
    for (const later of task.runBefore) if (byName.has(later)) after.get(later)!.add(task.name);
  }
  const ordered: T[] = [];
  const done = new Set<string>();
  while (ordered.length < tasks.length) {
    const ready = tasks.filter((t) => !done.has(t.name) && [...after.get(t.name)!].every((d) => done.has(d)));
    if (ready.length === 0) {
      const stuck = tasks.filter((t) => !done.has(t.name)).map((t) => t.name);
      throw new TaskOrderError(`tasks ${stuck.join(', ')} wait for each other (runAfter/runBefore form a cycle)`);
    }
    const next = ready.reduce((best, t) => (compareTasks(t, best) < 0 ? t : best));
    ordered.push(next);
    done.add(next.name);
  }
  return ordered;
}

function compareTasks(a: TaskDeclaration, b: TaskDeclaration): number {
  if (a.priority !== b.priority) return a.priority - b.priority;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
