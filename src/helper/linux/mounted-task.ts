import type { TaskAttributes } from '../../../machines/helper/task-declaration.ts';

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
