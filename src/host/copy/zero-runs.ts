import { ZERO_BLOCK } from './zero-range.ts';

/**
 * Zero runs shorter than this are written with the data around them: one
 * 256 KiB write costs less than two writes and a gap, and a filesystem image
 * is full of lone zero blocks between its files.
 */
export const MIN_SKIPPED_RUN = 256 * 1024;

const ZEROS = Buffer.alloc(MIN_SKIPPED_RUN);

/**
 * The parts of `data` to write when its zero runs need not be: [start, end)
 * byte ranges, in order. Runs of whole zero blocks (4 KiB, counted from the
 * start of `data`) of at least MIN_SKIPPED_RUN are left out; a partial block
 * at the end is kept unless all of `data` is zeros.
 */
export function nonZeroSegments(data: Uint8Array): Array<[number, number]> {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (bytes.length >= MIN_SKIPPED_RUN && isAllZero(bytes)) return [];
  const segments: Array<[number, number]> = [];
  let segmentStart = -1;
  let zeroRunStart = -1;
  const whole = bytes.length - (bytes.length % ZERO_BLOCK);
  for (let at = 0; at < whole; at += ZERO_BLOCK) {
    if (isAllZero(bytes.subarray(at, at + ZERO_BLOCK))) {
      if (zeroRunStart < 0) zeroRunStart = at;
      continue;
    }
    if (zeroRunStart >= 0) {
      if (at - zeroRunStart >= MIN_SKIPPED_RUN) {
        if (segmentStart >= 0) segments.push([segmentStart, zeroRunStart]);
        segmentStart = at;
      }
      zeroRunStart = -1;
    }
    if (segmentStart < 0) segmentStart = at;
  }
  const endOfData = zeroRunStart >= 0 && whole - zeroRunStart >= MIN_SKIPPED_RUN ? zeroRunStart : whole;
  if (whole < bytes.length) {
    // The unaligned tail goes out with whatever precedes it, unless a long zero run sits between.
    if (segmentStart >= 0 && endOfData === whole) segments.push([segmentStart, bytes.length]);
    else {
      if (segmentStart >= 0) segments.push([segmentStart, endOfData]);
      segments.push([whole, bytes.length]);
    }
  } else if (segmentStart >= 0) segments.push([segmentStart, endOfData]);
  return segments;
}

function isAllZero(bytes: Buffer): boolean {
  for (let at = 0; at < bytes.length; at += ZEROS.length) {
    const part = bytes.subarray(at, Math.min(bytes.length, at + ZEROS.length));
    if (!part.equals(ZEROS.subarray(0, part.length))) return false;
  }
  return true;
}
