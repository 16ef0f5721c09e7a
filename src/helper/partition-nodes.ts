import { existsSync } from 'node:fs';
import type { Processes } from '../effects/processes.ts';
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
  return {
    path: partitionPath,
    async refresh(disk) {
      // -u updates the partitions the kernel knows (sizes after a resize) and drops removed ones;
      // -a adds the new ones and fails, harmlessly, for those that exist.
      await processes.run('partx', ['-u', disk], { allowFailure: true });
      await processes.run('partx', ['-a', disk], { allowFailure: true });
    },
  };
}

export function partitionExists(disk: string, n: number): boolean {
  return existsSync(partitionPath(disk, n));
}
