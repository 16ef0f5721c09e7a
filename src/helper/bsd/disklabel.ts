import { SnfImageError } from '../../errors.ts';

/** A disklabel that cannot be used; the message says what is wrong with it. */
export class DiskLabelError extends SnfImageError {
  override readonly name = 'DiskLabelError';
}

/** Which BSD wrote the label: OpenBSD's layout has 48-bit sizes and a DUID where the others have spares. */
export type LabelFlavour = 'openbsd' | 'netbsd' | 'freebsd';

export const DISKLABEL_MAGIC = 0x82564557;
/** The label's fixed part; the 16-byte partition entries follow it. */
export const HEADER_BYTES = 148;
export const PARTITION_BYTES = 16;
/** i386 and amd64 labels of all three have at most 16 partitions (a to p). */
export const MAX_PARTITIONS = 16;
/** The label sits in the slice's second sector (LABELSECTOR 1, LABELOFFSET 0 on x86). */
export const LABEL_SECTOR = 1;

export const FS_UNUSED = 0;
export const FS_SWAP = 1;
export const FS_BSDFFS = 7;

export interface LabelPartition {
  /** a, b, c, ... */
  readonly letter: string;
  /** Absolute sectors from the start of the disk. */
  readonly offset: number;
  readonly size: number;
  readonly fstype: number;
}

export interface DiskLabel {
  readonly flavour: LabelFlavour;
  readonly sectorSize: number;
  readonly sectorsPerTrack: number;
  readonly tracksPerCylinder: number;
  readonly cylinders: number;
  readonly sectorsPerCylinder: number;
  /** The disk size the label records (d_secperunit; 48 bits on OpenBSD). */
  readonly sectors: number;
  /** OpenBSD's usable region (d_bstart, d_bend). */
  readonly usableStart?: number;
  readonly usableEnd?: number;
  readonly partitions: readonly LabelPartition[];
  /** The label as read, so fields this module does not interpret are written back as they were. */
  readonly bytes: Buffer;
}

const letterOf = (index: number) => String.fromCharCode(97 + index);

/** The partitions that stand for the whole disk or slice rather than hold data: c, and d on NetBSD. */
export function isRawPartition(flavour: LabelFlavour, letter: string): boolean {
  return letter === 'c' || (flavour === 'netbsd' && letter === 'd');
}

/** XOR of the label's 16-bit little-endian words, with the checksum field read as zero. */
export function labelChecksum(label: Buffer): number {
  let sum = 0;
  for (let i = 0; i + 1 < label.length; i += 2) if (i !== 136) sum ^= label.readUInt16LE(i);
  return sum;
}

/** The label's length in bytes, header and partitions, as its checksum covers it. */
export function labelLength(npartitions: number): number {
  return HEADER_BYTES + PARTITION_BYTES * npartitions;
}

/**
 * Parses a disklabel from the bytes of its sector and checks it against the
 * slice it was found in and the disk: magic at both ends, checksum, a
 * partition count that fits, no data partition past the disk, and no two
 * data partitions overlapping. Each failure is a sentence naming the fault.
 */
export function parseDiskLabel(sector: Buffer, flavour: LabelFlavour, where: { readonly sliceStart: number; readonly diskSectors: number }): DiskLabel {
  if (sector.length < HEADER_BYTES || sector.readUInt32LE(0) !== DISKLABEL_MAGIC || sector.readUInt32LE(132) !== DISKLABEL_MAGIC) {
    throw new DiskLabelError(`the ${flavour} slice at sector ${where.sliceStart} holds no disklabel in its sector ${LABEL_SECTOR} (no magic number 0x82564557 at both ends)`);
  }
  const npartitions = sector.readUInt16LE(138);
  if (npartitions === 0 || npartitions > MAX_PARTITIONS || labelLength(npartitions) > sector.length) {
    throw new DiskLabelError(`the ${flavour} disklabel claims ${npartitions} partitions; a label holds 1 to ${MAX_PARTITIONS}`);
  }
  const bytes = Buffer.from(sector.subarray(0, labelLength(npartitions)));
  const recorded = bytes.readUInt16LE(136);
  const computed = labelChecksum(bytes);
  if (recorded !== computed) {
    throw new DiskLabelError(`the ${flavour} disklabel has a bad checksum (0x${hex(recorded)} recorded, 0x${hex(computed)} computed): the label is damaged`);
  }
  const high = (offset: number) => (flavour === 'openbsd' ? bytes.readUInt16LE(offset) * 2 ** 32 : 0);
  const partitions: LabelPartition[] = [];
  for (let i = 0; i < npartitions; i++) {
    const at = HEADER_BYTES + PARTITION_BYTES * i;
    partitions.push({
      letter: letterOf(i),
      size: bytes.readUInt32LE(at) + high(at + 10),
      offset: bytes.readUInt32LE(at + 4) + high(at + 8),
      fstype: bytes.readUInt8(at + 12),
    });
  }
  const label: DiskLabel = {
    flavour,
    sectorSize: bytes.readUInt32LE(40),
    sectorsPerTrack: bytes.readUInt32LE(44),
    tracksPerCylinder: bytes.readUInt32LE(48),
    cylinders: bytes.readUInt32LE(52),
    sectorsPerCylinder: bytes.readUInt32LE(56),
    sectors: bytes.readUInt32LE(60) + high(112),
    ...(flavour === 'openbsd' ? { usableStart: bytes.readUInt32LE(80) + bytes.readUInt16LE(76) * 2 ** 32, usableEnd: bytes.readUInt32LE(84) + bytes.readUInt16LE(78) * 2 ** 32 } : {}),
    partitions,
    bytes,
  };
  checkGeometry(label, where.diskSectors);
  return label;
}

function checkGeometry(label: DiskLabel, diskSectors: number): void {
  const { flavour } = label;
  if (label.sectorSize !== 512) throw new DiskLabelError(`the ${flavour} disklabel has ${label.sectorSize}-byte sectors; only 512-byte sectors are supported`);
  if (label.sectors > diskSectors) {
    throw new DiskLabelError(`the ${flavour} disklabel claims a disk of ${label.sectors} sectors, but the disk has ${diskSectors}: the label does not belong to this disk`);
  }
  const data = dataPartitions(label);
  for (const p of data) {
    if (p.offset + p.size > diskSectors) {
      throw new DiskLabelError(`partition ${p.letter} of the ${flavour} disklabel ends at sector ${p.offset + p.size}, past the end of the disk (${diskSectors} sectors)`);
    }
  }
  const sorted = [...data].sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < sorted.length; i++) {
    const [before, after] = [sorted[i - 1]!, sorted[i]!];
    if (after.offset < before.offset + before.size) {
      throw new DiskLabelError(`partitions ${before.letter} and ${after.letter} of the ${flavour} disklabel overlap (sectors ${after.offset} to ${Math.min(before.offset + before.size, after.offset + after.size) - 1}): the label is damaged`);
    }
  }
}

/** The partitions that hold something: in use, and not standing for the whole disk or slice. */
export function dataPartitions(label: DiskLabel): LabelPartition[] {
  return label.partitions.filter((p) => p.fstype !== FS_UNUSED && p.size > 0 && !isRawPartition(label.flavour, p.letter));
}

/** The data partition that ends last: the one growth extends (snf-image's --get-last-partition). */
export function lastPartition(label: DiskLabel): LabelPartition | undefined {
  return dataPartitions(label).reduce<LabelPartition | undefined>((last, p) => (!last || p.offset + p.size > last.offset + last.size ? p : last), undefined);
}

/**
 * How OpenBSD's fstab names a partition of this label: by the label's DUID
 * whatever the driver calls the disk (sd0, wd0), or as /dev/sd0<letter> for
 * a label without one.
 */
export function openbsdDevice(label: DiskLabel, letter: string): string {
  const duid = label.bytes.subarray(64, 72).toString('hex');
  return /^0+$/.test(duid) ? `/dev/sd0${letter}` : `${duid}.${letter}`;
}

function hex(n: number): string {
  return n.toString(16).padStart(4, '0');
}
