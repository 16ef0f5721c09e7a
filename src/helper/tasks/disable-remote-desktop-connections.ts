import { MOUNTED_TASK_ORDER } from '../linux/mounted-task.ts';
import { declareTask } from '../declare-task.ts';
import type { Task } from '../task.ts';
import { disableRemoteDesktopDuringSetup } from '../windows/remote-desktop.ts';

/**
 * Closes Remote Desktop until Windows setup has set the password, so nobody
 * logs in with the image's old one in between (snf-image's
 * 50DisableRemoteDesktopConnections).
 */
export const disableRemoteDesktopConnections: Task = declareTask({
  name: 'DisableRemoteDesktopConnections',
  priority: 50,
  ...MOUNTED_TASK_ORDER,
  families: ['windows', 'windows-legacy'],
  requires: ['TARGET'],
  attributes: { excludable: true, fsResizeExcludable: false, mountedExcludable: true, cloudInitExcludable: true, overwritable: true },
  run: disableRemoteDesktopDuringSetup,
});
