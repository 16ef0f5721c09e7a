import { isExtended, isLogical, partitionEnd, PartitionTableError, type PartitionTable } from './partition-table.ts';

/**
 * Refuses a table with a partition past the end of the disk or two
 * partitions on the same sectors (a logical one inside its extended one
 * aside). Growing such a table would shrink the partition or overwrite its
 * neighbour, and the filesystem on it with them.
 */
export function checkTableBounds(disk: string, table: PartitionTable, diskSectors: number): void {
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
