import { filesystemType } from '../detection.ts';
import { envFlag } from '../linux/task-env.ts';
import type { TaskContext } from '../task.ts';
import { diskAndResizePartition, partitionsOf } from '../tasks/disk-task.ts';
import { EXTEND_FILESYSTEM } from './setup-scripts.ts';
import { windowsLines } from './windows-guest.ts';
import { windowsFamily, windowsGuest } from './windows-task.ts';

/**
 * FilesystemResizeMounted for Windows: the NTFS volume is grown by Windows
 * itself, with a diskpart script that the specialize pass runs. Windows XP
 * and 2003 and OFFLINE_NTFSRESIZE get ntfsresize after unmounting instead
 * (FilesystemResizeAfterUmount).
 */
export async function writeExtendFilesystemScript(ctx: TaskContext): Promise<void> {
  if (windowsFamily(ctx) === 'windows-legacy') return;
  const { disk, partition } = diskAndResizePartition(ctx);
  const fstype = await filesystemType(ctx.processes, partitionsOf(ctx).path(disk, partition));
  if (fstype !== 'ntfs') {
    ctx.warn(`Don't know how to resize partition ${partition} with ${fstype ? `a ${fstype}` : 'no known'} filesystem: only NTFS is grown in Windows images`);
    return;
  }
  if (envFlag(ctx, 'PROPERTY_OFFLINE_NTFSRESIZE')) {
    ctx.warn('OFFLINE_NTFSRESIZE is set: the NTFS filesystem is resized with ntfsresize after unmounting, not by Windows');
    return;
  }
  await windowsGuest(ctx).writeText(EXTEND_FILESYSTEM, extendFilesystemScript(partition));
}

/**
 * Selecting the partition also selects its volume (diskpart moves the focus
 * to both), so this does not depend on how Windows numbers volumes (a
 * CD-ROM drive takes one), as snf-image's `select volume N` did.
 */
export function extendFilesystemScript(partition: number): string {
  return windowsLines(['select disk 0', `select partition ${partition}`, 'extend filesystem', 'exit']);
}
