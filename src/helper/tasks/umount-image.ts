import { rmdir } from 'node:fs/promises';
import { declareTask } from '../declare-task.ts';
import type { Task } from '../task.ts';
import { OS_FAMILIES } from '../../../machines/helper/task-declaration.ts';
import { ntfsDaemonsUnder, waitForExit } from '../windows/ntfs-daemons.ts';
import { mountsOf, required } from './disk-task.ts';

/**
 * Unmounts the guest: every filesystem at or below TARGET, the deepest
 * first, each retried while busy (snf-image's 80UmountImage), and waits for
 * the ntfs-3g processes of NTFS mounts to exit; then removes the TARGET
 * directory.
 */
export const umountImage: Task = declareTask({
  name: 'UmountImage',
  priority: 80,
  runAfter: ['MountImage'],
  families: OS_FAMILIES,
  requires: ['TARGET'],
  attributes: { excludable: false, fsResizeExcludable: false, mountedExcludable: true, cloudInitExcludable: false, overwritable: false },
  async run(ctx) {
    const target = required(ctx, 'TARGET');
    const ntfsDaemons = await ntfsDaemonsUnder(target);
    await mountsOf(ctx).unmountUnder(target);
    await waitForExit(ctx, ntfsDaemons);
    await rmdir(target);
  },
});
