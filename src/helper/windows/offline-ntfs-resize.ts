import { SnfImageError } from '../../errors.ts';
import { filesystemType } from '../detection.ts';
import { envFlag, envText } from '../linux/task-env.ts';
import type { TaskContext } from '../task.ts';
import { diskAndResizePartition, partitionsOf } from '../tasks/disk-task.ts';

/**
 * Grows an NTFS filesystem to fill its partition with ntfsresize, unmounted
 * (snf-image's 81FilesystemResizeAfterUmount): for windows-legacy, for NTFS
 * in other families' images, and for windows when OFFLINE_NTFSRESIZE asks
 * for it (otherwise Windows grows it itself at first boot).
 */
export async function resizeNtfsOffline(ctx: TaskContext): Promise<void> {
  const family = envText(ctx.env, 'PROPERTY_OSFAMILY');
  const windows = family === 'windows' || family === 'windows-legacy';
  const { disk, partition } = diskAndResizePartition(ctx);
  const device = partitionsOf(ctx).path(disk, partition);
  const fstype = await filesystemType(ctx.processes, device);
  if (fstype !== 'ntfs') {
    if (windows) ctx.warn(`Partition ${partition} has ${fstype ? `a ${fstype}` : 'no known'} filesystem: this task resizes only NTFS`);
    return;
  }
  if (family === 'windows' && !envFlag(ctx, 'PROPERTY_OFFLINE_NTFSRESIZE')) {
    ctx.warn('Not resizing NTFS offline: Windows grows it at first boot (set OFFLINE_NTFSRESIZE to resize it here)');
    return;
  }
  const info = await ctx.processes.run('ntfsinfo', ['-m', device], { allowFailure: true, signal: ctx.signal });
  if (info.exitCode !== 0) {
    throw new SnfImageError(`The NTFS filesystem on partition ${partition} is dirty (Windows was not shut down cleanly, or it is hibernated): refusing to resize it; shut the image down cleanly and deploy again`);
  }
  const resized = await ctx.processes.run('ntfsresize', ['--no-progress-bar', '--force', device], { signal: ctx.signal });
  // The volume already fills its partition: ntfsresize changed nothing and left it clean.
  if (/Nothing to do/.test(resized.stdout)) return;
  if (envFlag(ctx, 'PROPERTY_OFFLINE_NTFSRESIZE_NOCHECK')) {
    ctx.warn('OFFLINE_NTFSRESIZE_NOCHECK is set: clearing the dirty flag ntfsresize left, so Windows will not check the resized filesystem (chkdsk) at first boot; this is dangerous if the resize went wrong');
    await ctx.processes.run('ntfsfix', ['--clear-dirty', device], { signal: ctx.signal });
    return;
  }
  ctx.warn('The resized NTFS filesystem is marked for checking: Windows runs chkdsk on it at first boot, which takes a while');
}
