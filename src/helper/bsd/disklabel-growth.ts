import { DiskLabelError, FS_SWAP, FS_UNUSED, HEADER_BYTES, labelChecksum, lastPartition, PARTITION_BYTES, type DiskLabel, type LabelPartition } from './disklabel.ts';

/** NetBSD records 16383 cylinders for a disk of this many sectors or more (the ATA rule). */
const NETBSD_MAX_CYLINDERS_FROM = 16_514_064;
/** OpenBSD keeps partition sizes in multiples of this many sectors when it grows them. */
const OPENBSD_SIZE_ROUNDING = 32;
/** The swap partition starts on a 1 MiB boundary, as the partitions of a GPT or MBR disk do. */
const SWAP_ALIGNMENT = 2048;
/** The letter every BSD gives its swap partition (the kernel's dump device and swap by default). */
export const SWAP_LETTER = 'b';

export interface LabelGrowth {
  /** The new label, checksum included. */
  readonly bytes: Buffer;
  /** The partition grown, with its new size; none when nothing could grow. */
  readonly grown?: LabelPartition;
  /** Why the last partition was left as it was, for a warning. */
  readonly notGrown?: string;
  /** The swap partition added at the end of the disk, when one was asked for. */
  readonly swap?: LabelPartition;
}

/**
 * Grows a disklabel onto a larger disk as snf-image's disklabel.py did: the
 * label's disk size and cylinder count, the partitions standing for the disk
 * (OpenBSD's c, NetBSD's d) and the slice (NetBSD's c), OpenBSD's usable
 * region, then the partition that ends last, to the end of the usable space.
 * OpenBSD leaves a swap partition as it is. With `swapSectors`, partition b
 * becomes a swap partition of at least that size at the end of the usable
 * space (from a 1 MiB boundary), and the last partition grows up to it.
 */
export function growDiskLabel(label: DiskLabel, disk: { readonly sectors: number; readonly sliceStart: number; readonly swapSectors?: number }): LabelGrowth {
  const bytes = Buffer.from(label.bytes);
  const openbsd = label.flavour === 'openbsd';
  const write48 = (lowAt: number, highAt: number, value: number) => {
    bytes.writeUInt32LE(value % 2 ** 32, lowAt);
    if (openbsd) bytes.writeUInt16LE(Math.floor(value / 2 ** 32), highAt);
  };
  const setPartition = (letter: string, offset: number, size: number) => {
    const at = HEADER_BYTES + PARTITION_BYTES * (letter.charCodeAt(0) - 97);
    if (at + PARTITION_BYTES > bytes.length) return;
    write48(at + 4, at + 8, offset);
    write48(at, at + 10, size);
  };

  write48(60, 112, disk.sectors);
  let end: number;
  if (openbsd) {
    const perCylinder = label.sectorsPerTrack * label.tracksPerCylinder;
    const cylinders = Math.floor(disk.sectors / perCylinder);
    bytes.writeUInt32LE(Math.min(cylinders, 2 ** 32 - 1), 52);
    end = cylinders * perCylinder;
    write48(84, 78, end);
    setPartition('c', 0, disk.sectors);
  } else {
    const cylinders = disk.sectors >= NETBSD_MAX_CYLINDERS_FROM ? 16383 : Math.floor(disk.sectors / label.sectorsPerCylinder);
    bytes.writeUInt32LE(cylinders, 52);
    end = disk.sectors;
    setPartition('c', disk.sliceStart, disk.sectors - disk.sliceStart);
    setPartition('d', 0, disk.sectors);
  }

  const last = lastPartition(label);
  const swap = disk.swapSectors ? carveSwap(label, last, end, disk.swapSectors) : undefined;
  if (swap) {
    setPartition(swap.letter, swap.offset, swap.size);
    bytes.writeUInt8(FS_SWAP, HEADER_BYTES + PARTITION_BYTES * (swap.letter.charCodeAt(0) - 97) + 12);
  }
  const dataEnd = swap ? swap.offset : end;
  let grown: LabelPartition | undefined;
  let notGrown: string | undefined;
  if (!last) notGrown = 'the disklabel has no data partition to grow';
  else if (openbsd && last.fstype === FS_SWAP) notGrown = `partition ${last.letter}, the last one, is swap; it is left as it is`;
  else {
    const size = openbsd ? Math.floor((dataEnd - last.offset) / OPENBSD_SIZE_ROUNDING) * OPENBSD_SIZE_ROUNDING : dataEnd - last.offset;
    if (size <= last.size) notGrown = `partition ${last.letter} already reaches the end of the disk`;
    else {
      setPartition(last.letter, last.offset, size);
      grown = { ...last, size };
    }
  }
  bytes.writeUInt16LE(labelChecksum(bytes), 136);
  return { bytes, ...(grown ? { grown } : {}), ...(notGrown ? { notGrown } : {}), ...(swap ? { swap } : {}) };
}

/**
 * Where the swap partition goes: partition b, which must be free, from the
 * last 1 MiB boundary that leaves it `sectors` long to the end of the usable
 * space, after everything the label holds.
 */
function carveSwap(label: DiskLabel, last: LabelPartition | undefined, end: number, sectors: number): LabelPartition {
  const { flavour } = label;
  const b = label.partitions.find((p) => p.letter === SWAP_LETTER);
  if (!b) throw new DiskLabelError(`the ${flavour} disklabel has no partition ${SWAP_LETTER} for the swap space (it holds ${label.partitions.length} partitions)`);
  if (b.fstype !== FS_UNUSED || b.size > 0) {
    throw new DiskLabelError(`partition ${SWAP_LETTER} of the ${flavour} disklabel is already in use (${b.fstype === FS_SWAP ? 'swap' : `fstype ${b.fstype}`}, ${b.size} sectors): SWAP would put the new swap space there; leave SWAP unset to keep the image's own`);
  }
  const offset = Math.floor((end - sectors) / SWAP_ALIGNMENT) * SWAP_ALIGNMENT;
  const usedUpTo = last ? last.offset + last.size : 0;
  if (offset < usedUpTo) {
    const freeMiB = Math.max(0, Math.floor(((end - usedUpTo) * 512) / (1024 * 1024)));
    throw new DiskLabelError(`Not enough space for swap partition: ${Math.ceil((sectors * 512) / (1024 * 1024))} MiB asked, ${freeMiB} MiB free at the end of the disk`);
  }
  return { letter: SWAP_LETTER, offset, size: end - offset, fstype: FS_SWAP };
}
