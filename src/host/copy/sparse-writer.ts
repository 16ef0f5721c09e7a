import type { DiskWriter } from './disk-writer.ts';
import { ZERO_BLOCK } from './zero-range.ts';
import { nonZeroSegments } from './zero-runs.ts';

/** How far ahead of the writes a disk is zeroed when the image size is unknown (a compressed image). */
export const ZEROING_STRIDE = 256 * 1024 * 1024;

export interface SparseWriter extends DiskWriter {
  /** Bytes of zeros not written because the disk already read as zeros there. */
  readonly skippedBytes: number;
  /** The disk reads as zeros below this offset, except where written since. */
  readonly zeroedEnd: number;
}

/**
 * A disk writer that leaves out zero runs where the disk reads as zeros.
 * Before the first write, the image's range of the disk is zeroed with the
 * disk's cheap way of doing it (zero-range.ts); with no size known it is
 * zeroed a stride ahead of the writes as they go. Where the disk offers no
 * such way, every byte is written: a guest never reads what an earlier
 * instance left behind. Positions past the zeroed range are written whole.
 */
export async function sparseWriter(disk: DiskWriter, imageBytes: number | undefined, signal: AbortSignal): Promise<SparseWriter> {
  const limit = roundDown(disk.capacity ?? 0);
  let zeroedEnd = 0;
  let lazy = false;
  if (imageBytes !== undefined) {
    const end = Math.min(roundDown(imageBytes), limit);
    if (end > 0 && (await disk.zeroRange(0, end, signal))) zeroedEnd = end;
  } else lazy = limit > 0;
  let skippedBytes = 0;

  const zeroUpTo = async (needed: number) => {
    while (lazy && zeroedEnd < Math.min(needed, limit)) {
      const end = Math.min(limit, zeroedEnd + ZEROING_STRIDE);
      if (!(await disk.zeroRange(zeroedEnd, end, signal))) lazy = false;
      else zeroedEnd = end;
    }
  };
  // One zeroing at a time, in order: with writes in flight together, a second zeroing of a stride
  // could otherwise land after data written into it.
  let zeroing: Promise<void> = Promise.resolve();
  const zeroAhead = (needed: number): Promise<void> => {
    zeroing = zeroing.then(() => zeroUpTo(needed));
    return zeroing;
  };

  return {
    path: disk.path,
    capacity: disk.capacity,
    zeroRange: disk.zeroRange,
    get skippedBytes() {
      return skippedBytes;
    },
    get zeroedEnd() {
      return zeroedEnd;
    },
    async write(data, position) {
      await zeroAhead(position + data.length);
      const sparse = Math.max(0, Math.min(data.length, zeroedEnd - position));
      const writes: Array<Promise<void>> = [];
      if (sparse > 0) {
        let kept = 0;
        for (const [start, end] of nonZeroSegments(data.subarray(0, sparse))) {
          writes.push(disk.write(data.subarray(start, end), position + start));
          kept += end - start;
        }
        skippedBytes += sparse - kept;
      }
      if (sparse < data.length) writes.push(disk.write(data.subarray(sparse), position + sparse));
      // The pieces go to the disk together; all are settled before the caller may reuse `data`.
      const results = await Promise.allSettled(writes);
      const failed = results.find((result) => result.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
    },
    flush: () => disk.flush(),
    close: () => disk.close(),
  };
}

function roundDown(bytes: number): number {
  return bytes - (bytes % ZERO_BLOCK);
}
