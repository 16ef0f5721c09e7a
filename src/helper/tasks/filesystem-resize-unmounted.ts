import { SnfImageError } from '../../errors.ts';
import { filesystemType } from '../detection.ts';
import { envText } from '../linux/task-env.ts';
import { checkYesNo } from '../../../machines/helper/yes-no.ts';
import { declareTask } from '../declare-task.ts';
import type { Task, TaskContext } from '../task.ts';
import { diskAndResizePartition, partitionsOf } from './disk-task.ts';
import { OS_FAMILIES } from '../../../machines/helper/task-declaration.ts';

/** Filesystems the mounted task grows online; nothing to do for them here, unless that task will not run. */
const GROWN_WHEN_MOUNTED = new Set(['xfs', 'btrfs']);

/**
 * Grows an ext2/3/4 filesystem to fill its partition while it is unmounted
 * (snf-image's 20FilesystemResizeUnmounted): it must be clean, is checked
 * with e2fsck, then resized with resize2fs.
 */
export const filesystemResizeUnmounted: Task = declareTask({
  name: 'FilesystemResizeUnmounted',
  priority: 20,
  runAfter: ['FixPartitionTable'],
  families: ['linux', 'windows', 'windows-legacy', 'freebsd'],
  askedFor: { families: OS_FAMILIES },
  requires: ['DEV', 'RESIZE_PART'],
  attributes: { excludable: true, fsResizeExcludable: true, mountedExcludable: false, cloudInitExcludable: true, overwritable: false },
  async run(ctx) {
    const { disk, partition } = diskAndResizePartition(ctx);
    const device = partitionsOf(ctx).path(disk, partition);
    const fstype = await filesystemType(ctx.processes, device);
    if (fstype === undefined || !/^ext[234]$/.test(fstype)) {
      if (fstype === 'ntfs') ctx.warn(`Partition ${partition} holds NTFS, which is resized after unmounting or by Windows at first boot`);
      else if (!GROWN_WHEN_MOUNTED.has(fstype ?? '')) ctx.warn(`Don't know how to resize unmounted partition ${partition} with ${fstype ? `a ${fstype}` : 'no known'} filesystem`);
      else if (mountedResizeExcluded(ctx)) ctx.warn(`Partition ${partition} holds ${fstype}, which grows only while mounted, and the mounted tasks are excluded: the filesystem keeps its size`);
      return;
    }
    const { stdout } = await ctx.processes.run('tune2fs', ['-l', device], { signal: ctx.signal });
    const field = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(stdout)?.[1]?.trim() ?? '';
    const state = field('Filesystem state');
    if (state !== 'clean') throw new SnfImageError(`The ${fstype} filesystem of partition ${partition} is not clean (state = ${state}): check the image`);
    if (field('Filesystem features').split(/\s+/).includes('needs_recovery')) {
      ctx.warn(`The ${fstype} filesystem of partition ${partition} has a journal to replay; e2fsck replays it`);
    }
    // -p fixes what is safe to fix; exit 1 means it did, 2 and above that it could not.
    const check = await ctx.processes.run('e2fsck', ['-f', '-p', device], { allowFailure: true, signal: ctx.signal });
    if (check.exitCode > 1) {
      throw new SnfImageError(`e2fsck found errors it could not fix on partition ${partition} (exit code ${check.exitCode}): ${check.stdout.trim().split('\n').at(-1) ?? ''}`);
    }
    if (check.exitCode === 1) ctx.warn(`e2fsck repaired the ${fstype} filesystem of partition ${partition}${repairs(check.stdout)}`);
    await ctx.processes.run('resize2fs', [device], { signal: ctx.signal });
  },
});

/**
 * What e2fsck -p says it fixed, after a colon, without the name it puts
 * before every line (the label, or the device) and its closing summary of
 * files and blocks; empty when that summary is all it said (counts it
 * corrects quietly).
 */
function repairs(stdout: string): string {
  const lines = stdout.split('\n').filter((line) => line.trim() !== '');
  const name = /^(.*): \d+\/\d+ files /.exec(lines.at(-1) ?? '')?.[1];
  const said = (name === undefined ? lines : lines.slice(0, -1)).map((line) => (name !== undefined && line.startsWith(`${name}: `) ? line.slice(name.length + 2) : line).trim());
  return said.length > 0 ? `: ${said.join(' ')}` : '';
}

/** Whether FilesystemResizeMounted will not run (an import resize excludes the mounted tasks). */
function mountedResizeExcluded(ctx: TaskContext): boolean {
  const quiet = () => undefined;
  return ['PROPERTY_EXCLUDE_MOUNTED_TASKS', 'PROPERTY_EXCLUDE_TASK_FILESYSTEMRESIZEMOUNTED'].some((name) => checkYesNo(name, envText(ctx.env, name), quiet));
}
