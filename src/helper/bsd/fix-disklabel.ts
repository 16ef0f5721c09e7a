import { parseSwapSpec } from '../linux/swap-spec.ts';
import { envText } from '../linux/task-env.ts';
import type { TaskContext } from '../task.ts';
import { partitionsOf } from '../tasks/disk-task.ts';
import { readDeviceBsdLayout, resizeSlice, writeBsdLayout } from './bsd-slice.ts';
import { growDiskLabel } from './disklabel-growth.ts';

const MiB_SECTORS = 2048;

/**
 * FixPartitionTable for OpenBSD and NetBSD (snf-image's disklabel.py -d -p):
 * the MBR slice is made to end at the disk's end, the disklabel takes the
 * disk's size and its last partition grows; a swap partition the SWAP
 * property asks for (`N:SIZE`) becomes label partition b at the end, since
 * the BSDs take their swap from b whatever number N names. Then the kernel is
 * told, so the partition nodes (5 and on) have their new sizes.
 */
export async function fixDisklabel(ctx: TaskContext, disk: string): Promise<void> {
  const { mbr, slice, label, sectors } = await readDeviceBsdLayout(ctx.processes, disk, ctx.signal);
  const growth = growDiskLabel(label, { sectors, sliceStart: slice.start, ...swapSectors(ctx) });
  await writeBsdLayout(disk, { mbr: resizeSlice(mbr, slice, sectors), slice, label: growth.bytes });
  await partitionsOf(ctx).refresh(disk);
  if (growth.notGrown) ctx.warn(`The ${slice.flavour} disklabel now covers the whole disk, but no partition was grown: ${growth.notGrown}`);
}

/** The swap partition's size in sectors; a swap disk (a letter) has nothing to partition here, AddSwap says what becomes of it. */
function swapSectors(ctx: TaskContext): { swapSectors?: number } {
  const value = envText(ctx.env, 'PROPERTY_SWAP');
  if (!value) return {};
  const spec = parseSwapSpec(value);
  return spec.kind === 'partition' ? { swapSectors: spec.sizeMiB * MiB_SECTORS } : {};
}
