import { mkdtemp, rmdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SnfImageError } from '../errors.ts';
import type { Processes } from '../effects/processes.ts';
import type { DetectInput, DiskFacts } from '../../machines/helper/ports.ts';
import { checkExtFilesystems } from './ext-filesystem-check.ts';
import { checkPrimaryGpt } from './gpt-header.ts';
import { findCaseInsensitive } from './guest-lookup.ts';
import { checkTableBounds } from './table-bounds.ts';
import { readPartitionTable, partitionToResize, type Partition, type PartitionTable } from './partition-table.ts';
import type { PartitionNodes } from './task.ts';
import type { OsFamily } from '../../machines/helper/task-declaration.ts';
import { linuxPartitionNumbers, readBsdLayout } from './bsd/bsd-slice.ts';
import { FS_BSDFFS } from './bsd/disklabel.ts';
import { ufsType } from './bsd/ufs.ts';
import { blockDeviceBytes } from './block-device-size.ts';

export class DetectionError extends SnfImageError {
  override readonly name = 'DetectionError';
}

export interface DetectionDeps {
  readonly processes: Processes;
  readonly partitions: PartitionNodes;
  readonly signal: AbortSignal;
}

/** GPT type GUIDs snf-image tells apart; any other GUID is a Linux candidate (Linux ignores GPT types). */
const GPT_FREEBSD_UFS = '516E7CB6-6ECF-11D6-8FF8-00022D09712B';
const GPT_MICROSOFT_BASIC_DATA = 'EBD0A0A2-B9E5-4433-87C0-68B6B72699C7';

/** Filesystems a root of each family may have (snf-image's check_if_root lists). */
const ROOT_FILESYSTEMS: Record<'linux' | 'windows' | 'freebsd', RegExp> = {
  linux: /^(ext[234]|xfs|jfs|zfs|btrfs|reiserfs|reiser4)$/,
  windows: /^(ntfs|ntfs-3g|vfat|msdos|fat|fuse|fuseblk)$/,
  freebsd: /^(ufs|zfs)$/,
};

/**
 * Reads the partition table of the first disk, refusing a corrupt one before
 * anything is written (a damaged primary GPT, a partition past the disk's
 * end, overlapping partitions, a damaged ext filesystem), and, for what is missing,
 * detects the OS family and the root partition as snf-image's
 * detect_image_properties did: by partition type, then by mounting each
 * candidate read-only and looking for /etc/fstab or windows/system32. The
 * first match wins.
 */
export async function detectImage(deps: DetectionDeps, input: DetectInput): Promise<DiskFacts> {
  await checkPrimaryGpt(input.device);
  const table = await readPartitionTable(deps.processes, input.device);
  await deps.partitions.ensureMatches(input.device, table);
  checkTableBounds(input.device, table, await diskSectors(deps, input.device, table.sectorSize));
  await checkExtFilesystems(deps, input.device, table);
  const resize = partitionToResize(table);
  if (!resize) {
    throw new DetectionError(`The disk ${input.device} has a partition table but no partitions: the image must hold at least one partition with the operating system`);
  }
  if (!input.detectOsFamily && !input.detectRootPartition) return { resizePartition: resize.number };
  for (const partition of [...table.partitions].sort((a, b) => a.number - b.number)) {
    const bsd = table.label === 'dos' ? await identifyBsdSlice(deps, input.device, partition) : undefined;
    if (bsd) return { ...bsd, resizePartition: resize.number };
    const osFamily = await identify(deps, input.device, table, partition);
    if (osFamily) return { osFamily, rootPartition: partition.number, resizePartition: resize.number };
  }
  return { resizePartition: resize.number };
}

async function identify(deps: DetectionDeps, disk: string, table: PartitionTable, partition: Partition): Promise<OsFamily | undefined> {
  if (table.label === 'dos') {
    // FreeBSD is deployed from GPT only; its slice is taken on its type alone, and FixPartitionTable says so.
    if (partition.type === 'a5') return 'freebsd';
    if (partition.type === '7') return checkRoot(deps, disk, partition, 'windows');
    if (partition.type === '83') return checkRoot(deps, disk, partition, 'linux');
    return undefined;
  }
  if (partition.type === GPT_FREEBSD_UFS) return checkRoot(deps, disk, partition, 'freebsd');
  if (partition.type === GPT_MICROSOFT_BASIC_DATA) return checkRoot(deps, disk, partition, 'windows');
  return checkRoot(deps, disk, partition, 'linux');
}

async function diskSectors(deps: DetectionDeps, disk: string, sectorSize: number): Promise<number> {
  return Math.floor((await blockDeviceBytes(disk)) / sectorSize);
}

/**
 * An OpenBSD or NetBSD slice: its disklabel is read (a damaged or hostile
 * one fails detection with a sentence saying what is wrong) and the root is
 * the first FFS partition holding /etc/fstab, by the number Linux gives it
 * (5 and on). The family is the slice's even when no root is found, as in
 * snf-image; ROOT_PARTITION then stays missing and the run says so.
 */
async function identifyBsdSlice(deps: DetectionDeps, disk: string, partition: Partition): Promise<{ osFamily: OsFamily; rootPartition?: number } | undefined> {
  const osFamily = ({ a6: 'openbsd', a9: 'netbsd' } as const)[partition.type as 'a6' | 'a9'];
  if (!osFamily) return undefined;
  const { label, slice } = await readBsdLayout(disk, (await blockDeviceBytes(disk)) / 512);
  const numbers = linuxPartitionNumbers(label, slice);
  for (const p of label.partitions.filter((p) => p.fstype === FS_BSDFFS && numbers.has(p.letter))) {
    const number = numbers.get(p.letter)!;
    // The check is the same for every BSD: a UFS holding /etc/fstab (the freebsd entry of ROOT_FILESYSTEMS).
    if (await checkRoot(deps, disk, { ...partition, number }, 'freebsd')) return { osFamily, rootPartition: number };
  }
  return { osFamily };
}

export async function filesystemType(processes: Processes, device: string): Promise<string | undefined> {
  const { exitCode, stdout } = await processes.run('blkid', ['-o', 'value', '-s', 'TYPE', device], { allowFailure: true });
  return exitCode === 0 && stdout.trim() !== '' ? stdout.trim() : undefined;
}

async function checkRoot(deps: DetectionDeps, disk: string, partition: Partition, family: 'linux' | 'windows' | 'freebsd'): Promise<OsFamily | undefined> {
  const device = deps.partitions.path(disk, partition.number);
  const fstype = await filesystemType(deps.processes, device);
  if (!fstype || !ROOT_FILESYSTEMS[family].test(fstype)) return undefined;
  const mountpoint = await mkdtemp(join(tmpdir(), 'snf-image-probe-'));
  try {
    const options = fstype === 'ufs' ? ['-t', 'ufs', '-o', `ro,ufstype=${await ufsType(deps.processes, device)}`] : readOnlyMount(fstype);
    const mounted = await deps.processes.run('mount', [...options, device, mountpoint], { allowFailure: true, signal: deps.signal });
    if (mounted.exitCode !== 0) return undefined;
    try {
      if (family === 'windows') return await windowsFamily(deps.processes, mountpoint);
      return (await isFile(join(mountpoint, 'etc', 'fstab'))) ? family : undefined;
    } finally {
      await deps.processes.run('umount', [mountpoint]);
    }
  } finally {
    await rmdir(mountpoint);
  }
}

/** Mount options that read without writing anything, not even a journal replay. */
function readOnlyMount(fstype: string): string[] {
  if (/^ext[34]$/.test(fstype)) return ['-t', fstype, '-o', 'ro,noload'];
  if (fstype === 'xfs') return ['-t', 'xfs', '-o', 'ro,norecovery'];
  if (fstype === 'ntfs') return ['-t', 'ntfs-3g', '-o', 'ro'];
  return ['-t', fstype, '-o', 'ro'];
}

async function windowsFamily(processes: Processes, root: string): Promise<OsFamily | undefined> {
  if (!(await findCaseInsensitive(root, ['windows', 'system32']))) return undefined;
  const hive = await findCaseInsensitive(root, ['windows', 'system32', 'config', 'software']);
  if (!hive) return 'windows';
  const version = await processes.run('hivexget', [hive, 'Microsoft\\Windows NT\\CurrentVersion', 'CurrentVersion'], { allowFailure: true });
  const major = Number.parseInt(version.stdout.trim(), 10);
  // NT 5.x (XP, 2003) is deployed with sysprep.inf: snf-image's windows-legacy.
  return version.exitCode === 0 && major < 6 ? 'windows-legacy' : 'windows';
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}
