import { CorruptQcow2, type Qcow2Header } from './qcow2-header.ts';

/**
 * What the entries of qcow2's tables say, shared by the stream decoder
 * (qcow2-stream.ts) and the reader of local files (qcow2-file-copy.ts).
 */
export type ClusterMapping =
  | { readonly kind: 'data'; readonly host: number }
  | { readonly kind: 'compressed'; readonly host: number; readonly length: number }
  /** A zero cluster, or unallocated: reads as zeros (there is no backing file). */
  | { readonly kind: 'zero' };

const OFFSET_HIGH_MASK = 0x00ffffff; // host offsets are bits 9-55 of an entry
const COMPRESSED_FLAG = 0x40000000; // bit 62, in the high word

/** The host offset an L1 entry (or a data L2 entry) gives; 0 for none. */
export function hostOffset(view: DataView, at: number): number {
  return (view.getUint32(at) & OFFSET_HIGH_MASK) * 2 ** 32 + (view.getUint32(at + 4) & 0xfffffe00);
}

/** The L2 entry at byte `at` of a table. */
export function clusterMapping(view: DataView, at: number, clusterBits: number): ClusterMapping {
  if (view.getUint32(at) & COMPRESSED_FLAG) {
    const { start, length } = compressedExtent(view.getBigUint64(at), clusterBits);
    return { kind: 'compressed', host: start, length };
  }
  const host = hostOffset(view, at);
  if ((view.getUint32(at + 4) & 1) !== 0 || host === 0) return { kind: 'zero' };
  return { kind: 'data', host };
}

/** A table or a data cluster must sit on a cluster boundary past the header cluster. */
export function checkClusterOffset(image: string, header: Qcow2Header, offset: number, what: string): void {
  if (offset % header.clusterBytes !== 0) throw new CorruptQcow2(image, `${what} at offset ${offset} is not on a cluster boundary`);
  if (offset < header.clusterBytes) throw new CorruptQcow2(image, `${what} points into the header cluster`);
}

/** A compressed cluster's descriptor: the offset in the low x bits, x = 62 - (cluster_bits - 8), then the sector count less one. */
function compressedExtent(entry: bigint, clusterBits: number): { start: number; length: number } {
  const offsetBits = BigInt(62 - (clusterBits - 8));
  const start = Number(entry & ((1n << offsetBits) - 1n));
  const sectors = Number((entry >> offsetBits) & ((1n << BigInt(clusterBits - 8)) - 1n)) + 1;
  return { start, length: sectors * 512 - (start % 512) };
}
