import { SnfImageError } from '../../errors.ts';
import type { Processes } from '../../effects/processes.ts';
import { parseSwapSpec } from '../linux/swap-spec.ts';
import { envText } from '../linux/task-env.ts';
import { isExtended, isLogical, partitionEnd, readPartitionTable, type Partition, type PartitionTable } from '../partition-table.ts';
import { declareTask } from '../declare-task.ts';
import type { Task, TaskContext } from '../task.ts';
import { diskAndResizePartition, partitionsOf } from './disk-task.ts';
import { fixDisklabel } from '../bsd/fix-disklabel.ts';
import { OS_FAMILIES } from '../../../machines/helper/task-declaration.ts';
import { blockDeviceBytes } from '../block-device-size.ts';

/** Partitions start on 1 MiB boundaries (2048 sectors of 512 bytes), as fdisk and parted place them. */
const ALIGNMENT_SECTORS = 2048;
const MBR_SWAP = '82';
const MBR_EXTENDED = '5';
const GPT_LINUX_SWAP = '0657FD6D-A4AB-43C4-84E5-0933C84B4F4F';
export const GPT_FREEBSD_SWAP = '516E7CB5-6ECF-11D6-8FF8-00022D09712B';
/** The GPT name FreeBSD's own VM images give their swap partition; its fstab line names it /dev/gpt/swapfs. */
const FREEBSD_SWAP_NAME = 'swapfs';

/**
 * Grows the partition the image's filesystem is on to the end of the (now
 * larger) disk, and adds the swap partition the SWAP property asks for
 * (`N:SIZE`, SIZE in MiB) at the end (snf-image's 10FixPartitionTable). On GPT
 * the backup header moves to the disk's new end first. A logical partition
 * grows together with its extended partition. OpenBSD and NetBSD images grow
 * their MBR slice and disklabel instead (src/helper/bsd/fix-disklabel.ts).
 */
export const fixPartitionTable: Task = declareTask({
  name: 'FixPartitionTable',
  priority: 10,
  families: OS_FAMILIES,
  askedFor: { families: OS_FAMILIES },
  requires: ['DEV', 'RESIZE_PART'],
  attributes: { excludable: true, fsResizeExcludable: false, mountedExcludable: false, cloudInitExcludable: true, overwritable: false },
  async run(ctx) {
    const { disk, partition: number } = diskAndResizePartition(ctx);
    const family = envText(ctx.env, 'PROPERTY_OSFAMILY');
    if (family === 'openbsd' || family === 'netbsd') return fixDisklabel(ctx, disk);
    const sfdisk = new Sfdisk(ctx.processes, disk, ctx.signal);
    let table = await readPartitionTable(ctx.processes, disk);
    if (family === 'freebsd' && table.label !== 'gpt') {
      throw new SnfImageError('For FreeBSD images only GUID Partition Tables are supported.');
    }
    if (table.label === 'gpt') {
      // Moves the backup header to the disk's new end (sgdisk -e does too, but leaves the last MiB unusable).
      await sfdisk.relocateBackupGpt();
      table = await readPartitionTable(ctx.processes, disk);
    }
    const lastUsable = table.label === 'gpt' ? table.lastLba! : await lastMbrSector(ctx, disk, table);
    const target = table.partitions.find((p) => p.number === number);
    if (!target) throw new SnfImageError(`partition ${number} (RESIZE_PART) is not in the partition table of ${disk}`);
    const container = isLogical(table, target) ? table.partitions.find((p) => isExtended(table, p)) : undefined;
    const behind = table.partitions.filter((p) => p !== target && p !== container && !(container && isLogical(table, p)) && p.start > target.start);
    if (behind.length > 0) {
      ctx.warn(`Partition ${number} is not the last one on the disk (partition ${behind[0]!.number} follows it); not growing it`);
      return;
    }

    const swap = swapRequest(ctx, table, target);
    const layout = planLayout(table, target, lastUsable, swap);
    // The extended partition ends where its last logical one does, unless a logical swap goes in after it.
    const containerEnd = swap && !swap.logical ? layout.dataEnd : lastUsable;
    if (container) await sfdisk.resize(container.number, containerEnd - container.start + 1);
    await sfdisk.resize(target.number, layout.dataEnd - target.start + 1);
    if (layout.newExtended) await sfdisk.append(layout.newExtended.start, lastUsable - layout.newExtended.start + 1, MBR_EXTENDED);
    if (layout.swap) await sfdisk.append(layout.swap.start, lastUsable - layout.swap.start + 1, ...swapType(table, family, swap!.number));
    await partitionsOf(ctx).refresh(disk);
    if (!swap) return;
    const made = (await readPartitionTable(ctx.processes, disk)).partitions.find((p) => p.start === layout.swap!.start);
    if (made?.number !== swap.number) {
      throw new SnfImageError(`the swap partition was made as number ${made?.number ?? '?'}, not ${swap.number}: set SWAP to ${made?.number ?? 'the next free number'}:${swap.sizeMiB}`);
    }
    return { SWAP_PARTITION: partitionsOf(ctx).path(disk, swap.number) };
  },
});

/** The swap partition's type, and for FreeBSD a name no other partition has (swapfs, else swapfs<N>). */
function swapType(table: PartitionTable, family: string | undefined, number: number): [type: string, name?: string] {
  if (table.label !== 'gpt') return [MBR_SWAP];
  if (family !== 'freebsd') return [GPT_LINUX_SWAP];
  const taken = table.partitions.some((p) => p.name === FREEBSD_SWAP_NAME);
  return [GPT_FREEBSD_SWAP, taken ? `${FREEBSD_SWAP_NAME}${number}` : FREEBSD_SWAP_NAME];
}

interface SwapRequest {
  readonly number: number;
  readonly sizeMiB: number;
  /** An MBR swap partition numbered 5 or more is a logical one. */
  readonly logical: boolean;
}

function swapRequest(ctx: TaskContext, table: PartitionTable, target: Partition): SwapRequest | undefined {
  const value = envText(ctx.env, 'PROPERTY_SWAP');
  if (!value) return undefined;
  const spec = parseSwapSpec(value);
  // A disk letter names a whole extra disk, which AddSwap formats; nothing to partition here.
  if (spec.kind !== 'partition') return undefined;
  if (table.partitions.some((p) => p.number === spec.partition)) {
    throw new SnfImageError(`SWAP asks for partition ${spec.partition}, which already exists: give a free partition number`);
  }
  const logical = table.label === 'dos' && spec.partition > 4;
  if (logical && table.partitions.some((p) => isExtended(table, p)) && !isLogical(table, target)) {
    throw new SnfImageError(`SWAP asks for logical partition ${spec.partition}, but the extended partition is not at the end of the disk`);
  }
  return { number: spec.partition, sizeMiB: spec.sizeMiB, logical };
}

interface Layout {
  readonly dataEnd: number;
  readonly swap?: { readonly start: number };
  readonly newExtended?: { readonly start: number };
}

function planLayout(table: PartitionTable, target: Partition, lastUsable: number, swap: SwapRequest | undefined): Layout {
  if (!swap) return { dataEnd: lastUsable };
  const swapSectors = (swap.sizeMiB * 1024 * 1024) / table.sectorSize;
  const swapStart = alignDown(lastUsable + 1 - swapSectors);
  // A logical partition needs room before it for its extended boot record.
  const needsNewExtended = swap.logical && !isLogical(table, target);
  const newExtendedStart = swapStart - ALIGNMENT_SECTORS;
  const dataEnd = swap.logical ? swapStart - ALIGNMENT_SECTORS - 1 : swapStart - 1;
  if (dataEnd < partitionEnd(target)) {
    const freeMiB = Math.floor(((lastUsable - partitionEnd(target)) * table.sectorSize) / (1024 * 1024));
    throw new SnfImageError(`Not enough space for swap partition: ${swap.sizeMiB} MiB asked, ${freeMiB} MiB free at the end of the disk`);
  }
  return { dataEnd, swap: { start: swapStart }, ...(needsNewExtended ? { newExtended: { start: newExtendedStart } } : {}) };
}

function alignDown(sector: number): number {
  return Math.floor(sector / ALIGNMENT_SECTORS) * ALIGNMENT_SECTORS;
}

/** An MBR records sectors in 32 bits: beyond 2^32 sectors (2 TiB of 512 bytes) a disk cannot be used from it. */
const MBR_SECTORS = 2 ** 32;

async function lastMbrSector(ctx: TaskContext, disk: string, table: PartitionTable): Promise<number> {
  const sectors = Math.floor((await blockDeviceBytes(disk)) / table.sectorSize);
  if (sectors <= MBR_SECTORS) return sectors - 1;
  ctx.warn(`The disk has ${sectors} sectors, more than an MBR partition table can address; the partition grows to sector ${MBR_SECTORS - 1} (use a GPT image to use the whole disk)`);
  return MBR_SECTORS - 1;
}

/**
 * Table edits through sfdisk, one partition at a time so the others (and
 * their extended boot records) stay exactly as they are. The kernel is told
 * afterwards through partx (PartitionNodes.refresh), which also works where a
 * re-read cannot (loop devices).
 */
class Sfdisk {
  constructor(
    private readonly processes: Processes,
    private readonly disk: string,
    private readonly signal: AbortSignal,
  ) {}

  resize(number: number, sectors: number) {
    return this.#run(['-N', String(number)], `,${sectors}\n`);
  }

  relocateBackupGpt() {
    return this.#run(['--relocate', 'gpt-bak-std'], '');
  }

  append(start: number, sectors: number, type: string, name?: string) {
    return this.#run(['--append'], `start=${start}, size=${sectors}, type=${type}${name ? `, name="${name}"` : ''}\n`);
  }

  async #run(args: string[], script: string) {
    await this.processes.run('sfdisk', ['--quiet', '--no-reread', '--no-tell-kernel', ...args, this.disk], { ...(script ? { input: script } : {}), signal: this.signal });
  }
}
