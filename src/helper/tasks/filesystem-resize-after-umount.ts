import { declareTask } from '../declare-task.ts';
import { type Task } from '../task.ts';
import { resizeNtfsOffline } from '../windows/offline-ntfs-resize.ts';
import { OS_FAMILIES } from '../../../machines/helper/task-declaration.ts';

/** Grows an NTFS filesystem with ntfsresize once the guest is unmounted (snf-image's 81FilesystemResizeAfterUmount). */
export const filesystemResizeAfterUmount: Task = declareTask({
  name: 'FilesystemResizeAfterUmount',
  priority: 81,
  runAfter: ['UmountImage'],
  families: OS_FAMILIES,
  requires: ['DEV', 'RESIZE_PART'],
  attributes: { excludable: true, fsResizeExcludable: true, mountedExcludable: false, cloudInitExcludable: true, overwritable: false },
  run: resizeNtfsOffline,
});
