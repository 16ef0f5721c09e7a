import type { TaskAttributes } from '../../../machines/helper/task-declaration.ts';
import { declareTask, type TaskSpec } from '../declare-task.ts';
import type { Task } from '../task.ts';

/**
 * snf-image's attributes for the tasks that edit the mounted guest
 * (task_init_as excludable mounted_excludable overwritable).
 */
export const MOUNTED_TASK_ATTRIBUTES: TaskAttributes = {
  excludable: true,
  fsResizeExcludable: false,
  mountedExcludable: true,
  cloudInitExcludable: false,
  overwritable: true,
};

/** Every guest-editing task runs between mounting and unmounting the guest. */
export const MOUNTED_TASK_ORDER = { runAfter: ['MountImage'], runBefore: ['UmountImage'] } as const;

/**
 * Declares a task that edits the mounted Linux guest: it runs between
 * MountImage and UmountImage, needs TARGET and has MOUNTED_TASK_ATTRIBUTES,
 * unless it says otherwise.
 */
export function mountedTask(spec: Omit<TaskSpec, 'families' | 'attributes'> & Partial<Pick<Task, 'families' | 'attributes'>>): Task {
  return declareTask({ ...MOUNTED_TASK_ORDER, families: ['linux'], requires: ['TARGET'], attributes: MOUNTED_TASK_ATTRIBUTES, ...spec });
}
