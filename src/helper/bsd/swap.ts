import { SnfImageError } from '../../errors.ts';
import { parseSwapSpec } from '../linux/swap-spec.ts';
import { envText, guestRoot } from '../linux/task-env.ts';
import { readPartitionTable } from '../partition-table.ts';
import type { TaskContext } from '../task.ts';
import { required } from '../tasks/disk-task.ts';
import { GPT_FREEBSD_SWAP } from '../tasks/fix-partition-table.ts';
import { bsdFamily, type BsdFamily } from './bsd-task.ts';
import { readDeviceBsdLayout } from './bsd-slice.ts';
import { FS_SWAP, openbsdDevice } from './disklabel.ts';
import { SWAP_LETTER } from './disklabel-growth.ts';

/**
 * AddSwap for the BSDs: the swap partition FixPartitionTable made is named
 * in the guest's /etc/fstab, in the form each system's own installer
 * writes. The BSDs need no signature on a swap partition, so nothing is
 * formatted. FreeBSD: the freebsd-swap GPT partition by its GPT name
 * (/dev/gpt/<name>); OpenBSD: label partition b by the disk's DUID
 * (<duid>.b); NetBSD: partition b of the disk the root came from (ROOT.b).
 */
export async function addBsdSwap(ctx: TaskContext): Promise<void> {
  const value = envText(ctx.env, 'PROPERTY_SWAP');
  if (!value) {
    ctx.warn('No swap partition defined');
    return;
  }
  const spec = parseSwapSpec(value);
  const family = bsdFamily(ctx);
  if (spec.kind === 'disk') {
    throw new SnfImageError(`SWAP ${value} asks for a whole swap disk, which is not supported for OSFAMILY ${family} (its fstab would need the guest's name for that disk): ask for a swap partition instead, e.g. SWAP=2:512`);
  }
  const guest = guestRoot(ctx.env);
  if ((await guest.readText('/etc/fstab')) === undefined) throw new SnfImageError('The guest has no /etc/fstab to add the swap space to');
  const device = family === 'freebsd' ? await freebsdSwapDevice(ctx, spec.partition) : await labelSwapDevice(ctx, family);
  await guest.appendText('/etc/fstab', bsdSwapLine(device));
}

/** The fstab line of a BSD swap device. */
export function bsdSwapLine(device: string): string {
  return `${device}\tnone\tswap\tsw\t0\t0\n`;
}

async function freebsdSwapDevice(ctx: TaskContext, number: number): Promise<string> {
  const table = await readPartitionTable(ctx.processes, required(ctx, 'DEV'));
  const partition = table.partitions.find((p) => p.number === number);
  if (!partition || partition.type !== GPT_FREEBSD_SWAP) {
    throw new SnfImageError(`SWAP names partition ${number}, which is not a freebsd-swap partition of the GPT${partition ? ` (its type is ${partition.type})` : ''}: FixPartitionTable makes it; check whether that task was excluded`);
  }
  if (!partition.name || !/^[A-Za-z0-9._-]+$/.test(partition.name)) {
    throw new SnfImageError(`The freebsd-swap partition ${number} has no GPT name FreeBSD can name it by in /etc/fstab (/dev/gpt/<name>)${partition.name ? `: ${JSON.stringify(partition.name)}` : ''}`);
  }
  return `/dev/gpt/${partition.name}`;
}

async function labelSwapDevice(ctx: TaskContext, family: Exclude<BsdFamily, 'freebsd'>): Promise<string> {
  const { label } = await readDeviceBsdLayout(ctx.processes, required(ctx, 'DEV'), ctx.signal);
  const b = label.partitions.find((p) => p.letter === SWAP_LETTER);
  if (!b || b.fstype !== FS_SWAP || b.size === 0) {
    throw new SnfImageError(`Partition ${SWAP_LETTER} of the ${family} disklabel is not a swap partition: FixPartitionTable makes it; check whether that task was excluded`);
  }
  return family === 'openbsd' ? openbsdDevice(label, SWAP_LETTER) : `ROOT.${SWAP_LETTER}`;
}
