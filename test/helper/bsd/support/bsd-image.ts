import { mkdir, mkdtemp, open, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { realProcesses } from '../../../../src/effects/real/processes.ts';
import { DISKLABEL_MAGIC, FS_UNUSED, HEADER_BYTES, labelChecksum, labelLength, PARTITION_BYTES, type LabelFlavour } from '../../../../src/helper/bsd/disklabel.ts';

const SECTOR = 512;
const SLICE_TYPE: Record<LabelFlavour, number> = { freebsd: 0xa5, openbsd: 0xa6, netbsd: 0xa9 };

export interface LabelPartitionSpec {
  readonly letter: string;
  readonly offset: number;
  readonly size: number;
  readonly fstype: number;
}

export interface LabelSpec {
  readonly flavour: LabelFlavour;
  /** The disk size the label records. */
  readonly sectors: number;
  readonly sliceStart: number;
  readonly sliceSize: number;
  readonly partitions: readonly LabelPartitionSpec[];
}

/**
 * A disklabel as the BSD's disklabel(8) writes it on x86, built field by
 * field: 63 sectors a track, 255 tracks a cylinder (16 on NetBSD),
 * partitions a to the last one given, checksum over the whole label.
 */
export function buildLabel(spec: LabelSpec): Buffer {
  const count = Math.max(...spec.partitions.map((p) => p.letter.charCodeAt(0) - 96), 3);
  const label = Buffer.alloc(labelLength(count));
  const tracks = spec.flavour === 'netbsd' ? 16 : 255;
  const openbsd = spec.flavour === 'openbsd';
  label.writeUInt32LE(DISKLABEL_MAGIC, 0);
  label.writeUInt16LE(5, 4); // DTYPE_SCSI
  label.write(spec.flavour === 'netbsd' ? 'fictitious' : 'SCSI disk', 8, 'latin1');
  label.writeUInt32LE(SECTOR, 40);
  label.writeUInt32LE(63, 44);
  label.writeUInt32LE(tracks, 48);
  label.writeUInt32LE(Math.floor(spec.sectors / (63 * tracks)), 52);
  label.writeUInt32LE(63 * tracks, 56);
  label.writeUInt32LE(spec.sectors % 2 ** 32, 60);
  if (openbsd) {
    label.write('0123456789abcdef', 64, 'hex'); // the DUID
    label.writeUInt32LE(spec.sliceStart, 80); // d_bstart
    label.writeUInt32LE(spec.sliceStart + spec.sliceSize, 84); // d_bend
    label.writeUInt16LE(1, 114); // d_version: 48-bit sizes
  }
  label.writeUInt32LE(DISKLABEL_MAGIC, 132);
  label.writeUInt16LE(count, 138);
  label.writeUInt32LE(8192, 140);
  label.writeUInt32LE(65536, 144);
  for (const p of spec.partitions) {
    const at = HEADER_BYTES + PARTITION_BYTES * (p.letter.charCodeAt(0) - 97);
    label.writeUInt32LE(p.size, at);
    label.writeUInt32LE(p.offset, at + 4);
    label.writeUInt8(p.fstype, at + 12);
    if (p.fstype !== FS_UNUSED) label.writeUInt8(0x21, at + 13); // fragblock: 8 KiB blocks of 1 KiB fragments
  }
  label.writeUInt16LE(labelChecksum(label), 136);
  return label;
}

/** An MBR sector with one BSD slice. */
export function buildMbr(flavour: LabelFlavour, start: number, size: number): Buffer {
  const mbr = Buffer.alloc(SECTOR);
  const at = 446;
  mbr.writeUInt8(0x80, at);
  mbr.writeUInt8(SLICE_TYPE[flavour], at + 4);
  mbr.writeUInt32LE(start, at + 8);
  mbr.writeUInt32LE(size, at + 12);
  mbr.writeUInt16LE(0xaa55, 510);
  return mbr;
}

export interface UfsSpec {
  readonly version: 1 | 2;
  readonly files: Readonly<Record<string, string>>;
}

/**
 * Writes a BSD disk image: an MBR with one slice from sector 64 (where
 * OpenBSD's and NetBSD's installers put it) to the end of the image, the
 * label, and a UFS made by makefs from `files` in partition a. The image
 * file is then made `diskMiB` long, as when it is copied to a larger disk.
 */
export async function writeBsdImage(file: string, options: { flavour: LabelFlavour; imageMiB: number; diskMiB: number; swapMiB?: number; ufs: UfsSpec; workdir: string }): Promise<LabelSpec> {
  const sectors = (options.imageMiB * 1024 * 1024) / SECTOR;
  const sliceStart = 64;
  const swap = ((options.swapMiB ?? 0) * 1024 * 1024) / SECTOR;
  const root = { letter: 'a', offset: sliceStart, size: sectors - sliceStart - swap, fstype: 7 };
  const raw = options.flavour === 'openbsd' ? [{ letter: 'c', offset: 0, size: sectors, fstype: FS_UNUSED }] : [
    { letter: 'c', offset: sliceStart, size: sectors - sliceStart, fstype: FS_UNUSED },
    { letter: 'd', offset: 0, size: sectors, fstype: FS_UNUSED },
  ];
  const spec: LabelSpec = {
    flavour: options.flavour,
    sectors,
    sliceStart,
    sliceSize: sectors - sliceStart,
    partitions: [root, ...(swap > 0 ? [{ letter: 'b', offset: root.offset + root.size, size: swap, fstype: 1 }] : []), ...raw],
  };
  const tree = await mkdtemp(join(options.workdir, 'ufs-tree-'));
  const fs = join(options.workdir, `ufs-${Date.now()}.img`);
  try {
    for (const [path, content] of Object.entries(options.ufs.files)) {
      await mkdir(join(tree, path, '..'), { recursive: true });
      await writeFile(join(tree, path), content);
    }
    await makeUfs(fs, tree, root.size * SECTOR, options.ufs.version);
    await writeFile(file, '');
    await truncate(file, sectors * SECTOR);
    await realProcesses.run('dd', [`if=${fs}`, `of=${file}`, 'bs=512', `seek=${root.offset}`, 'conv=notrunc,sparse', 'status=none']);
    const image = await open(file, 'r+');
    try {
      await image.write(buildMbr(options.flavour, sliceStart, sectors - sliceStart), 0, SECTOR, 0);
      await image.write(buildLabel(spec), 0, undefined, (sliceStart + 1) * SECTOR);
    } finally {
      await image.close();
    }
    await truncate(file, options.diskMiB * 1024 * 1024);
    return spec;
  } finally {
    await rm(tree, { recursive: true, force: true });
    await rm(fs, { force: true });
  }
}

/**
 * A UFS made by Debian's makefs from a directory tree. UFS2 gets FreeBSD's
 * default geometry (32 KiB blocks, 4 KiB fragments); makefs puts its
 * superblock at 8 KiB, where the helper's ufs.ko finds it (docs/bsd.md, UFS2).
 */
async function makeUfs(file: string, tree: string, bytes: number, version: 1 | 2): Promise<void> {
  const geometry = version === 2 ? ',bsize=32768,fsize=4096' : '';
  // -f: free inodes for what the helper adds (makefs sizes the inode table to the tree otherwise).
  await realProcesses.run('makefs', ['-t', 'ffs', '-B', 'le', '-o', `version=${version}${geometry}`, '-f', '256', '-s', String(bytes), file, tree]);
}

/** FreeBSD's GPT partition type for UFS. */
export const GPT_FREEBSD_UFS = '516E7CB6-6ECF-11D6-8FF8-00022D09712B';

/**
 * Writes a FreeBSD-style GPT image: one freebsd-ufs partition from sector
 * 2048 to the end of the image, holding a UFS made by makefs from `files`.
 */
export async function writeFreebsdGptImage(file: string, options: { imageMiB: number; version: 1 | 2; files: Readonly<Record<string, string>>; workdir: string }): Promise<void> {
  await writeFile(file, '');
  await truncate(file, options.imageMiB * 1024 * 1024);
  await realProcesses.run('sfdisk', ['--quiet', file], { input: `label: gpt\n2048,,${GPT_FREEBSD_UFS}\n` });
  const { stdout } = await realProcesses.run('sfdisk', ['--json', file]);
  const partition = (JSON.parse(stdout) as { partitiontable: { partitions: { start: number; size: number }[] } }).partitiontable.partitions[0]!;
  const tree = await mkdtemp(join(options.workdir, 'ufs-tree-'));
  const fs = join(options.workdir, `ufs-gpt-${Date.now()}.img`);
  try {
    for (const [path, content] of Object.entries(options.files)) {
      await mkdir(join(tree, path, '..'), { recursive: true });
      await writeFile(join(tree, path), content);
    }
    await makeUfs(fs, tree, partition.size * SECTOR, options.version);
    await realProcesses.run('dd', [`if=${fs}`, `of=${file}`, 'bs=512', `seek=${partition.start}`, 'conv=notrunc,sparse', 'status=none']);
  } finally {
    await rm(tree, { recursive: true, force: true });
    await rm(fs, { force: true });
  }
}
