import { envText } from '../linux/task-env.ts';
import type { TaskContext } from '../task.ts';
import { partitionsOf } from '../tasks/disk-task.ts';
import { readBsdLayout, resizeSlice, writeBsdLayout } from './bsd-slice.ts';
import { growDiskLabel } from './disklabel-growth.ts';

/**
 * FixPartitionTable for OpenBSD and NetBSD (snf-image's disklabel.py -d -p):
 * the MBR slice is made to end at the disk's end, the disklabel takes the
 * disk's size and its last partition grows; then the kernel is told, so the
 * partition nodes (5 and on) have their new sizes.
 */
export async function fixDisklabel(ctx: TaskContext, disk: string): Promise<void> {
  const { stdout } = await ctx.processes.run('blockdev', ['--getsz', disk], { signal: ctx.signal });
  const sectors = Number(stdout.trim());
  const { mbr, slice, label } = await readBsdLayout(disk, sectors);
  const growth = growDiskLabel(label, { sectors, sliceStart: slice.start });
  await writeBsdLayout(disk, { mbr: resizeSlice(mbr, slice, sectors), slice, label: growth.bytes });
  await partitionsOf(ctx).refresh(disk);
  if (growth.notGrown) ctx.warn(`The ${slice.flavour} disklabel now covers the whole disk, but no partition was grown: ${growth.notGrown}`);
  if (envText(ctx.env, 'PROPERTY_SWAP')) ctx.warn(`SWAP is not applied to ${slice.flavour} disklabels: no swap partition was added`);
}
