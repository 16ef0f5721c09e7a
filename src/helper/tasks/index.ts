import type { Task } from '../task.ts';
import { initializeDatasource } from './initialize-datasource.ts';
import { addSwap } from './add-swap.ts';
import { assignHostname } from './assign-hostname.ts';
import { changeMachineId } from './change-machine-id.ts';
import { changePassword } from './change-password.ts';
import { configureNetwork } from './configure-network.ts';
import { deleteSshKeys } from './delete-ssh-keys.ts';
import { selinuxAutorelabel } from './selinux-autorelabel.ts';
import { enforcePersonality } from './enforce-personality.ts';
import { runCustomTask } from './run-custom-task.ts';
import { filesystemResizeMounted } from './filesystem-resize-mounted.ts';
import { filesystemResizeUnmounted } from './filesystem-resize-unmounted.ts';
import { fixPartitionTable } from './fix-partition-table.ts';
import { mountImage } from './mount-image.ts';
import { umountImage } from './umount-image.ts';
import { installUnattend } from './install-unattend.ts';
import { disableRemoteDesktopConnections } from './disable-remote-desktop-connections.ts';
import { filesystemResizeAfterUmount } from './filesystem-resize-after-umount.ts';
import { withWindowsHalf } from '../windows/with-windows-half.ts';
import { assignComputerName } from '../windows/assign-computer-name.ts';
import { changeWindowsPasswords } from '../windows/change-windows-passwords.ts';
import { writeExtendFilesystemScript } from '../windows/extend-filesystem-script.ts';
import { withBsdHalf } from '../bsd/with-bsd-half.ts';
import { assignBsdHostname } from '../bsd/hostname.ts';
import { arrangeFirstBootGrowth, reportUfsNotGrownHere } from '../bsd/first-boot-growth.ts';
import { configureBsdNetwork } from '../bsd/network.ts';
import { addBsdSwap } from '../bsd/swap.ts';

/**
 * Every task the helper knows, in no particular order: the planner orders
 * them by runAfter/runBefore, then priority, then name. One file per task in
 * this folder; a new task is imported and listed here.
 */
export const TASKS: readonly Task[] = [
  // Disk layout (priorities 10-40 and 80, like snf-image's run-parts prefixes).
  fixPartitionTable,
  withBsdHalf(filesystemResizeUnmounted, reportUfsNotGrownHere),
  mountImage,
  withBsdHalf(withWindowsHalf(filesystemResizeMounted, writeExtendFilesystemScript), arrangeFirstBootGrowth),
  umountImage,
  filesystemResizeAfterUmount,

  // Guest customization (priorities 35-70).
  // Linux guests.
  initializeDatasource,
  withBsdHalf(addSwap, addBsdSwap),
  withBsdHalf(withWindowsHalf(assignHostname, assignComputerName), assignBsdHostname),
  changeMachineId,
  withWindowsHalf(changePassword, changeWindowsPasswords),
  withBsdHalf(configureNetwork, configureBsdNetwork),
  deleteSshKeys,
  selinuxAutorelabel,
  enforcePersonality,
  runCustomTask,
  // Windows guests; the Windows and BSD halves of shared tasks are wrapped in above (withWindowsHalf, withBsdHalf).
  installUnattend,
  disableRemoteDesktopConnections,
];

export function findTask(name: string): Task | undefined {
  return TASKS.find((task) => task.name === name);
}
