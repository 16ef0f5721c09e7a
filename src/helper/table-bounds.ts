import { isExtended, isLogical, partitionEnd, PartitionTableError, type PartitionTable } from './partition-table.ts';

/**
 * Refuses a table whose chain of logical partitions loops, with a partition
 * past the end of the disk, or with two partitions on the same sectors (a logical one inside its extended one
 * aside). Growing such a table would shrink the partition or overwrite its
 * neighbour, and the filesystem on it with them.
 */
export function checkTableBounds(disk: string, table: PartitionTable, diskSectors: number): void {
  checkLogicalChain(disk, table);
  for (const p of table.partitions) {
    if (partitionEnd(p) >= diskSectors) {
      throw new PartitionTableError(
        `Partition ${p.number} of ${disk} ends at sector ${partitionEnd(p)}, past the end of the disk (${diskSectors} sectors): the image's partition table is corrupt or the image was truncated`,
      );
    }
  }
  const byStart = table.partitions.filter((p) => !isExtended(table, p)).sort((a, b) => a.start - b.start);
  for (const [i, p] of byStart.entries()) {
    const next = byStart[i + 1];
    if (next && next.start <= partitionEnd(p)) {
      throw new PartitionTableError(`Partitions ${p.number} and ${next.number} of ${disk} overlap (sectors ${next.start}-${Math.min(partitionEnd(p), partitionEnd(next))}): the image's partition table is corrupt`);
    }
  }
  const extended = table.partitions.find((p) => isExtended(table, p));
  const stray = table.partitions.find((p) => isLogical(table, p) && extended && (p.start < extended.start || partitionEnd(p) > partitionEnd(extended)));
  if (stray) throw new PartitionTableError(`Logical partition ${stray.number} of ${disk} lies outside its extended partition: the image's partition table is corrupt`);
}

/**
 * An extended partition's logical partitions form a chain of boot records,
 * each naming the next. A chain that links back to one of its own records
 * loops: sfdisk then lists the same logical partitions again and again (up
 * to its limit of 60) and the kernel gives up on the rest. Revisiting a
 * record repeats its logical partition, start and size alike.
 */
function checkLogicalChain(disk: string, table: PartitionTable): void {
  const seen = new Map<string, number>();
  for (const p of table.partitions.filter((p) => isLogical(table, p))) {
    const first = seen.get(`${p.start}+${p.size}`);
    if (first !== undefined) {
      throw new PartitionTableError(
        `The chain of logical partitions in the extended partition of ${disk} loops back on itself (partition ${p.number} repeats partition ${first} at sector ${p.start}): the image's partition table is corrupt`,
      );
    }
    seen.set(`${p.start}+${p.size}`, p.number);
  }
}
