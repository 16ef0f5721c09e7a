import { filesystemType } from '../detection.ts';
import { declareTask } from '../declare-task.ts';
import type { Task } from '../task.ts';
import { diskAndResizePartition, partitionsOf } from './disk-task.ts';

/**
 * Grows the filesystems that resize while mounted, xfs and btrfs, to fill
 * their partition (snf-image's 40FilesystemResizeMounted, Linux part). ext
 * filesystems were grown unmounted; NTFS is left to Windows at first boot.
 */
export const filesystemResizeMounted: Task = declareTask({
  name: 'FilesystemResizeMounted',
  priority: 40,
  runAfter: ['MountImage'],
  runBefore: ['UmountImage'],
  families: ['linux'],
  requires: ['DEV', 'RESIZE_PART', 'TARGET'],
  attributes: { excludable: true, fsResizeExcludable: true, mountedExcludable: true, cloudInitExcludable: true, overwritable: true },
  async run(ctx) {
    const { disk, partition } = diskAndResizePartition(ctx);
    const device = partitionsOf(ctx).path(disk, partition);
    const fstype = await filesystemType(ctx.processes, device);
    if (fstype !== 'xfs' && fstype !== 'btrfs') {
      if (!/^ext[234]$/.test(fstype ?? '')) ctx.warn(`Don't know how to resize mounted partition ${partition} with ${fstype ? `a ${fstype}` : 'no known'} filesystem`);
      return;
    }
    const found = await ctx.processes.run('findmnt', ['--noheadings', '--first-only', '--output', 'TARGET', '--source', device], { allowFailure: true });
    const mountpoint = found.stdout.trim();
    if (found.exitCode !== 0 || mountpoint === '') {
      ctx.warn(`Partition ${partition} (${fstype}) is not mounted; it cannot be resized online`);
      return;
    }
    if (fstype === 'xfs') {
      await ctx.processes.run('xfs_growfs', [mountpoint], { signal: ctx.signal });
      return;
    }
    const show = await ctx.processes.run('btrfs', ['filesystem', 'show', mountpoint], { signal: ctx.signal });
    const devid = new RegExp(`devid\\s+(\\d+)\\s.*\\s${device.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`, 'm').exec(show.stdout)?.[1] ?? '1';
    await ctx.processes.run('btrfs', ['filesystem', 'resize', `${devid}:max`, mountpoint], { signal: ctx.signal });
  },
});
