import * as z from 'zod/mini';
import '../zod-messages.ts';
import { SnfImageError } from '../errors.ts';
import type { Processes } from '../effects/processes.ts';

/** A disk's partition table as `sfdisk -J` reads it; sizes and offsets in sectors. */
export interface PartitionTable {
  readonly label: 'dos' | 'gpt';
  readonly sectorSize: number;
  /** GPT: the last sector a partition may use, as the table records it (not the disk's end until the backup header is moved). */
  readonly lastLba?: number;
  readonly partitions: readonly Partition[];
}

export interface Partition {
  readonly number: number;
  readonly start: number;
  readonly size: number;
  /** MBR: the type id in hex without 0x ("83", "5"); GPT: the type GUID, upper case. */
  readonly type: string;
  /** GPT: the partition's name (FreeBSD's label, /dev/gpt/<name>), when it has one. */
  readonly name?: string;
}

export class PartitionTableError extends SnfImageError {
  override readonly name = 'PartitionTableError';
}

/** MBR ids of extended partitions (DOS, Windows LBA, Linux). */
const EXTENDED_TYPES = new Set(['5', 'f', '85']);

export const isExtended = (table: PartitionTable, p: Partition) => table.label === 'dos' && EXTENDED_TYPES.has(p.type.toLowerCase());
export const isLogical = (table: PartitionTable, p: Partition) => table.label === 'dos' && p.number > 4;
export const partitionEnd = (p: Partition) => p.start + p.size - 1;

const sfdiskJson = z.object({
  partitiontable: z.object({
    label: z.string(),
    sectorsize: z._default(z.number(), 512),
    lastlba: z.optional(z.number()),
    partitions: z._default(z.array(z.object({ node: z.string(), start: z.number(), size: z.number(), type: z.string(), name: z.optional(z.string()) })), []),
  }),
});

export async function readPartitionTable(processes: Processes, disk: string): Promise<PartitionTable> {
  const { exitCode, stdout, stderr } = await processes.run('sfdisk', ['--json', disk], { allowFailure: true });
  if (exitCode !== 0) {
    throw new PartitionTableError(`Unable to read the partition table of ${disk} (${stderr.trim().split('\n').at(-1) ?? 'sfdisk failed'}): the image seems corrupted or has no partition table`);
  }
  const parsed = sfdiskJson.parse(JSON.parse(stdout)).partitiontable;
  if (parsed.label !== 'dos' && parsed.label !== 'gpt') {
    throw new PartitionTableError(`The partition table of ${disk} is of type ${parsed.label}: only MBR (msdos) and GPT tables are supported`);
  }
  return {
    label: parsed.label,
    sectorSize: parsed.sectorsize,
    ...(parsed.lastlba !== undefined ? { lastLba: parsed.lastlba } : {}),
    partitions: parsed.partitions.map((p) => ({ number: Number(/(\d+)$/.exec(p.node)?.[1]), start: p.start, size: p.size, type: parsed.label === 'gpt' ? p.type.toUpperCase() : p.type.toLowerCase(), ...(p.name ? { name: p.name } : {}) })),
  };
}

/**
 * The partition snf-image grows and resizes (get_partition_to_resize): the
 * highest-numbered one; on MBR, when that is a logical partition but the
 * extended partition is not the highest-numbered primary, the highest primary.
 */
export function partitionToResize(table: PartitionTable): Partition | undefined {
  const byNumber = [...table.partitions].sort((a, b) => a.number - b.number);
  const last = byNumber.at(-1);
  if (!last || !isLogical(table, last)) return last;
  const primaries = byNumber.filter((p) => p.number <= 4);
  const lastPrimary = primaries.at(-1);
  return lastPrimary && !isExtended(table, lastPrimary) ? lastPrimary : last;
}
