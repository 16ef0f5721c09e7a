import { rmdir } from 'node:fs/promises';
import type { Task } from '../task.ts';
import { mountsOf, required } from './disk-task.ts';

/**
 * Unmounts the guest: every filesystem at or below TARGET, the deepest
 * first, each retried while busy (snf-image's 80UmountImage); then removes
 * the TARGET directory.
 */
export const umountImage: Task = {
  name: 'UmountImage',
  priority: 80,
  runAfter: ['MountImage'],
  runBefore: [],
  families: ['linux', 'windows', 'windows-legacy'],
  requires: ['TARGET'],
  uses: [],
  attributes: { excludable: false, fsResizeExcludable: false, mountedExcludable: true, cloudInitExcludable: false, overwritable: false },
  async run(ctx) {
    const target = required(ctx, 'TARGET');
    await mountsOf(ctx).unmountUnder(target);
    await rmdir(target);
  },
};
