import { open } from 'node:fs/promises';
import type { Processes } from '../../effects/processes.ts';
import { DiskLabelError, FS_UNUSED, LABEL_SECTOR, parseDiskLabel, type DiskLabel, type LabelFlavour } from './disklabel.ts';

const SECTOR = 512;
/** MBR partition types of the BSD slices (snf-image's detection and disklabel.py). */
export const BSD_SLICE_TYPES: Readonly<Record<number, LabelFlavour>> = { 0xa5: 'freebsd', 0xa6: 'openbsd', 0xa9: 'netbsd' };

export interface BsdSlice {
  /** The MBR slot, 1 to 4. */
  readonly number: number;
  readonly flavour: LabelFlavour;
  readonly start: number;
  readonly size: number;
}

/** The first BSD slice of an MBR sector, as the BSDs and snf-image take it. */
export function findBsdSlice(mbr: Buffer): BsdSlice | undefined {
  if (mbr.readUInt16LE(510) !== 0xaa55) return undefined;
  for (let i = 0; i < 4; i++) {
    const at = 446 + 16 * i;
    const flavour = BSD_SLICE_TYPES[mbr.readUInt8(at + 4)];
    if (flavour) return { number: i + 1, flavour, start: mbr.readUInt32LE(at + 8), size: mbr.readUInt32LE(at + 12) };
  }
  return undefined;
}

/**
 * The Linux partition number of each disklabel partition, as the kernel's
 * msdos parser and libblkid (partx) number them: partitions in use, in label
 * order, from 5 on, leaving out any that reach outside the slice; one that is
 * exactly the slice gets no node of its own and is reached as the slice. An image with logical partitions as well is not
 * a BSD layout this supports.
 */
export function linuxPartitionNumbers(label: DiskLabel, slice: BsdSlice): Map<string, number> {
  const numbers = new Map<string, number>();
  let next = 5;
  for (const p of label.partitions) {
    if (p.fstype === FS_UNUSED || p.size === 0) continue;
    // The slice's own node holds a partition that is the whole slice (a one-partition image's root).
    if (p.offset === slice.start && p.size === slice.size) {
      numbers.set(p.letter, slice.number);
      continue;
    }
    if (p.offset < slice.start || p.offset + p.size > slice.start + slice.size) continue;
    numbers.set(p.letter, next++);
  }
  return numbers;
}

/** A new MBR sector with the slice ending at the disk's end (sector count and end CHS). */
export function resizeSlice(mbr: Buffer, slice: BsdSlice, diskSectors: number): Buffer {
  const out = Buffer.from(mbr);
  const at = 446 + 16 * (slice.number - 1);
  const size = Math.min(diskSectors, 2 ** 32) - slice.start;
  out.writeUInt32LE(size, at + 12);
  out.set(chs(slice.start + size - 1, headsFor(slice.flavour, diskSectors)), at + 5);
  return out;
}

/**
 * Heads of the geometry the CHS fields are computed in: OpenBSD uses 255;
 * NetBSD the LBA-assisted translation (the fewest of 16 to 255 heads that
 * keep the disk within 1024 cylinders of 63 sectors).
 */
function headsFor(flavour: LabelFlavour, diskSectors: number): number {
  if (flavour !== 'netbsd') return 255;
  return [16, 32, 64, 128].find((heads) => diskSectors <= 1024 * heads * 63) ?? 255;
}

/** The 3-byte CHS address of a sector, clamped to the largest one (1023 cylinders) as every BIOS-era tool does. */
function chs(lba: number, heads: number): Buffer {
  let cylinder = Math.floor(lba / (heads * 63));
  let head = Math.floor(lba / 63) % heads;
  let sector = (lba % 63) + 1;
  if (cylinder > 1023) [cylinder, head, sector] = [1023, heads - 1, 63];
  return Buffer.from([head, ((cylinder >> 8) << 6) | sector, cylinder & 0xff]);
}

export interface BsdLayout {
  readonly mbr: Buffer;
  readonly slice: BsdSlice;
  readonly label: DiskLabel;
}

/** Reads the MBR, the first BSD slice and its disklabel from a disk (or image file). */
export async function readBsdLayout(disk: string, diskSectors: number): Promise<BsdLayout> {
  const file = await open(disk, 'r');
  try {
    const read = async (sector: number, count = 1) => (await file.read(Buffer.alloc(SECTOR * count), 0, SECTOR * count, sector * SECTOR)).buffer;
    const mbr = await read(0);
    const slice = findBsdSlice(mbr);
    if (!slice) throw new DiskLabelError(`${disk} has no BSD slice (MBR type a5, a6 or a9)`);
    if (slice.start + LABEL_SECTOR >= diskSectors) throw new DiskLabelError(`the ${slice.flavour} slice starts at sector ${slice.start}, past the end of the disk (${diskSectors} sectors)`);
    const label = parseDiskLabel(await read(slice.start + LABEL_SECTOR), slice.flavour, { sliceStart: slice.start, diskSectors });
    return { mbr, slice, label };
  } finally {
    await file.close();
  }
}

/** The BSD layout of a block device, read with the device's size in sectors (blockdev --getsz). */
export async function readDeviceBsdLayout(processes: Processes, disk: string, signal?: AbortSignal): Promise<BsdLayout & { readonly sectors: number }> {
  const { stdout } = await processes.run('blockdev', ['--getsz', disk], signal ? { signal } : {});
  const sectors = Number(stdout.trim());
  return { ...(await readBsdLayout(disk, sectors)), sectors };
}

/** Writes a new MBR sector and disklabel, and flushes them to the disk. */
export async function writeBsdLayout(disk: string, layout: { readonly mbr: Buffer; readonly slice: BsdSlice; readonly label: Buffer }): Promise<void> {
  const file = await open(disk, 'r+');
  try {
    await file.write(layout.mbr, 0, SECTOR, 0);
    await file.write(layout.label, 0, layout.label.length, (layout.slice.start + LABEL_SECTOR) * SECTOR);
    await file.sync();
  } finally {
    await file.close();
  }
}
