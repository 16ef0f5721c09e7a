import { FS_SWAP, HEADER_BYTES, labelChecksum, lastPartition, PARTITION_BYTES, type DiskLabel, type LabelPartition } from './disklabel.ts';

/** NetBSD records 16383 cylinders for a disk of this many sectors or more (the ATA rule). */
const NETBSD_MAX_CYLINDERS_FROM = 16_514_064;
/** OpenBSD keeps partition sizes in multiples of this many sectors when it grows them. */
const OPENBSD_SIZE_ROUNDING = 32;

export interface LabelGrowth {
  /** The new label, checksum included. */
  readonly bytes: Buffer;
  /** The partition grown, with its new size; none when nothing could grow. */
  readonly grown?: LabelPartition;
  /** Why the last partition was left as it was, for a warning. */
  readonly notGrown?: string;
}

/**
 * Grows a disklabel onto a larger disk as snf-image's disklabel.py did: the
 * label's disk size and cylinder count, the partitions standing for the disk
 * (OpenBSD's c, NetBSD's d) and the slice (NetBSD's c), OpenBSD's usable
 * region, then the partition that ends last, to the end of the usable space.
 * OpenBSD leaves a swap partition as it is.
 */
export function growDiskLabel(label: DiskLabel, disk: { readonly sectors: number; readonly sliceStart: number }): LabelGrowth {
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
  let grown: LabelPartition | undefined;
  let notGrown: string | undefined;
  if (!last) notGrown = 'the disklabel has no data partition to grow';
  else if (openbsd && last.fstype === FS_SWAP) notGrown = `partition ${last.letter}, the last one, is swap; it is left as it is`;
  else {
    const size = openbsd ? Math.floor((end - last.offset) / OPENBSD_SIZE_ROUNDING) * OPENBSD_SIZE_ROUNDING : end - last.offset;
    if (size <= last.size) notGrown = `partition ${last.letter} already reaches the end of the disk`;
    else {
      setPartition(last.letter, last.offset, size);
      grown = { ...last, size };
    }
  }
  bytes.writeUInt16LE(labelChecksum(bytes), 136);
  return { bytes, ...(grown ? { grown } : {}), ...(notGrown ? { notGrown } : {}) };
}
