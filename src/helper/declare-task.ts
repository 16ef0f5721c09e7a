import type { Task } from './task.ts';

type Defaulted = 'runAfter' | 'runBefore' | 'requires' | 'uses';

/** A task as its file declares it: what it says, less what most tasks leave empty. */
export type TaskSpec = Omit<Task, Defaulted> & Partial<Pick<Task, Defaulted>>;

/** Declares a task; the order constraints and the values it requires or uses default to none. */
export function declareTask(spec: TaskSpec): Task {
  return { runAfter: [], runBefore: [], requires: [], uses: [], ...spec };
}
