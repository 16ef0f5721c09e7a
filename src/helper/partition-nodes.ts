import { existsSync } from 'node:fs';
import { readdir, readFile, realpath } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Processes } from '../effects/processes.ts';
import type { PartitionTable } from './partition-table.ts';
import type { PartitionNodes } from './task.ts';

/** The kernel's name for partition n of a disk: a disk name ending in a digit takes a "p" (loop0p1, nvme0n1p1). */
export function partitionPath(disk: string, n: number): string {
  return /\d$/.test(disk) ? `${disk}p${n}` : `${disk}${n}`;
}

/**
 * Partition nodes through partx, which tells the kernel about each partition
 * with BLKPG: it works on virtio disks and on loop devices alike (a loop
 * device made without partition scanning gets no nodes from a re-read, and
 * kpartx needs device-mapper, which the helper does not have).
 */
export function realPartitionNodes(processes: Processes): PartitionNodes {
  const refresh = async (disk: string) => {
    // -u updates the partitions the kernel knows (sizes after a resize); -a adds the new ones and
    // fails, harmlessly, for those that exist. No task removes a partition, and partx -u keeps one
    // the table no longer has.
    await processes.run('partx', ['-u', disk], { allowFailure: true });
    await processes.run('partx', ['-a', disk], { allowFailure: true });
  };
  return {
    path: partitionPath,
    refresh,
    async ensureMatches(disk, table) {
      if (!(await kernelSeesTable(disk, table))) await refresh(disk);
    },
  };
}

/**
 * Whether the kernel's partitions of `disk` (sysfs: number, start, size) are
 * exactly the table's. A virtio disk's are, as the kernel scanned it at boot:
 * the two partx processes then have nothing to do, and cost about 0.2 s
 * under TCG. A loop device made without partition scanning has none,
 * and the kernel shows an extended partition as two sectors: both differ,
 * and are refreshed.
 */
export async function kernelSeesTable(disk: string, table: PartitionTable): Promise<boolean> {
  const name = basename(await realpath(disk).catch(() => disk));
  const dir = `/sys/class/block/${name}`;
  const entries = await readdir(dir).catch(() => [] as string[]);
  const seen = new Map<number, string>();
  for (const entry of entries.filter((e) => e.startsWith(name))) {
    const read = (field: string) => readFile(`${dir}/${entry}/${field}`, 'utf8').then((text) => text.trim(), () => undefined);
    const [number, start, size] = await Promise.all([read('partition'), read('start'), read('size')]);
    if (number !== undefined) seen.set(Number(number), `${start}+${size}`);
  }
  const units = table.sectorSize / 512;
  return seen.size === table.partitions.length && table.partitions.every((p) => seen.get(p.number) === `${p.start * units}+${p.size * units}`);
}

export function partitionExists(disk: string, n: number): boolean {
  return existsSync(partitionPath(disk, n));
}
