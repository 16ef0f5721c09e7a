import { AbortedError, type EffectContext } from '../../effects/effect.ts';
import { SnfImageError } from '../../errors.ts';
import { alignedBuffers } from './aligned-buffers.ts';
import type { ByteSource } from '../backends/byte-source.ts';
import { ProgressReporter } from './copy-progress.ts';
import { DiskTooSmall, type DiskWriter } from './disk-writer.ts';
import { runWorkers } from './worker-pool.ts';

export class ImageSizeMismatch extends SnfImageError {
  override readonly name = 'ImageSizeMismatch';
  constructor(readonly received: number, readonly expected: number) {
    super(
      received < expected
        ? `the image source ended after ${received} of ${expected} bytes: the image is truncated or the transfer was cut; the disk is incomplete`
        : `the image source gave more than the ${expected} bytes it announced; the disk is not trustworthy`,
    );
  }
}

export interface CopySummary {
  readonly bytes: number;
  readonly seconds: number;
  readonly megabytesPerSecond: number;
}

export interface CopyOptions {
  /** Bytes per buffer, a multiple of 64 KiB. */
  readonly bufferBytes: number;
  /** Buffers in use: reading runs ahead of the writes by up to this many less one, all of them in flight at once. */
  readonly bufferCount: number;
  readonly progressIntervalMs: number;
  readonly now: () => number;
}

export const DEFAULT_COPY_OPTIONS: CopyOptions = {
  bufferBytes: 4 * 1024 * 1024,
  bufferCount: 2,
  progressIntervalMs: 3000,
  now: () => performance.now(),
};

/**
 * Moves every byte of `source` to the disk from offset 0, reading the next
 * buffers while the previous ones are written, so memory stays at a few
 * buffers whatever the image size. A source that can be read at offsets (a
 * local file) is read by several buffers at once, each reading and writing
 * its own part; any other in order. A source that ends before (or runs
 * past) the size it announced is an error, never a success. No write is in
 * flight when it returns or throws, so the caller may close the disk at
 * once.
 */
export async function copyStream(
  source: ByteSource,
  disk: DiskWriter,
  ctx: EffectContext,
  options: CopyOptions = DEFAULT_COPY_OPTIONS,
): Promise<CopySummary> {
  const { signal } = ctx;
  const started = options.now();
  if (source.size !== undefined && disk.capacity !== undefined && source.size > disk.capacity) {
    throw new DiskTooSmall(disk.path, disk.capacity, source.size);
  }
  const progress = new ProgressReporter(source.size, options.progressIntervalMs, ctx.emit, options.now);
  const { readAt, size } = source;
  let written: number;
  try {
    written =
      readAt !== undefined && size !== undefined
        ? await copyAtOffsets(readAt, size, disk, alignedBuffers(options.bufferCount * 2, options.bufferBytes), progress, signal)
        : await copyInOrder(source, disk, alignedBuffers(options.bufferCount, options.bufferBytes), progress, signal);
    await disk.flush();
  } catch (error) {
    if (signal.aborted) throw new AbortedError('copyImage');
    throw error;
  }
  progress.finished(written);
  const seconds = (options.now() - started) / 1000;
  return { bytes: written, seconds, megabytesPerSecond: seconds > 0 ? written / 1e6 / seconds : 0 };
}

/**
 * Each slot reads the next part of the image not yet taken and writes it,
 * all slots at once: with O_DIRECT reads, which get no read-ahead from the
 * kernel, this is what keeps the source busy while the disk writes. Resolves
 * with the bytes written once no write is in flight, or rejects after.
 */
async function copyAtOffsets(
  readAt: NonNullable<ByteSource['readAt']>,
  size: number,
  disk: DiskWriter,
  slots: readonly Buffer[],
  progress: ProgressReporter,
  signal: AbortSignal,
): Promise<number> {
  let next = 0;
  let written = 0;
  const worker = async (slot: Buffer, stopped: () => boolean) => {
    while (!stopped() && next < size) {
      if (signal.aborted) throw new AbortedError('copyImage');
      const position = next;
      const length = Math.min(slot.length, size - position);
      next += length;
      const filled = await readFullyAt(readAt, slot.subarray(0, length), position);
      if (filled < length) throw new ImageSizeMismatch(position + filled, size);
      await disk.write(slot.subarray(0, length), position);
      written += length;
      progress.advanced(written);
    }
  };
  await runWorkers(slots, worker);
  if (signal.aborted) throw new AbortedError('copyImage');
  // A file that grew or shrank since it was opened is not the image that was sized, even when every part was read before.
  const byte = new Uint8Array(1);
  if ((await readAt(byte, size)) > 0) throw new ImageSizeMismatch(size + 1, size);
  if (size > 0 && (await readAt(byte, size - 1)) === 0) throw new ImageSizeMismatch(await currentEnd(readAt, size - 1), size);
  return written;
}

/** Where a source that ends before `below` ends now: the last offset that still reads, plus one. */
async function currentEnd(readAt: NonNullable<ByteSource['readAt']>, below: number): Promise<number> {
  const byte = new Uint8Array(1);
  let [low, high] = [0, below]; // low reads or is 0, high does not
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if ((await readAt(byte, middle)) > 0) low = middle;
    else high = middle;
  }
  return low === 0 && (await readAt(byte, 0)) === 0 ? 0 : low + 1;
}

/** Reads around the page cache: every byte is read once, and a sparse image's holes would each make a page of zeros. */
async function readFullyAt(readAt: NonNullable<ByteSource['readAt']>, into: Uint8Array, position: number): Promise<number> {
  let filled = 0;
  while (filled < into.length) {
    const n = await readAt(into.subarray(filled), position + filled, true);
    if (n === 0) break;
    filled += n;
  }
  return filled;
}

/**
 * Reads the source in order into the slots in turn; each slot's write runs
 * on its own, several at once (the disk sees a queue, not one request at a
 * time), and a slot is refilled only once its own write is done. The first
 * failure ends the copy, once no write is in flight.
 */
async function copyInOrder(source: ByteSource, disk: DiskWriter, slots: readonly Buffer[], progress: ProgressReporter, signal: AbortSignal): Promise<number> {
  let read = 0;
  let written = 0;
  let failure: unknown;
  const slotWritten: Promise<void>[] = slots.map(() => Promise.resolve());
  try {
    for (let turn = 0; ; turn++) {
      const index = turn % slots.length;
      const slot = slots[index]!;
      await slotWritten[index];
      if (failure !== undefined) throw failure;
      progress.advanced(written);
      const filled = await fill(source, slot, signal);
      const position = read;
      read += filled;
      if (source.size !== undefined && read > source.size) throw new ImageSizeMismatch(read, source.size);
      if (filled === 0) break;
      slotWritten[index] = disk.write(slot.subarray(0, filled), position).then(
        () => {
          written += filled;
        },
        (error: unknown) => {
          failure ??= error;
        },
      );
      if (filled < slot.length) break;
    }
    await Promise.all(slotWritten);
    if (failure !== undefined) throw failure;
    if (source.size !== undefined && read !== source.size) throw new ImageSizeMismatch(read, source.size);
    return written;
  } catch (error) {
    await Promise.all(slotWritten);
    throw error;
  }
}

/** Reads until the buffer is full or the source ends. */
export async function fill(source: ByteSource, buffer: Uint8Array, signal: AbortSignal): Promise<number> {
  let filled = 0;
  while (filled < buffer.length) {
    if (signal.aborted) throw new AbortedError('copyImage');
    const n = await source.read(buffer.subarray(filled));
    if (n === 0) break;
    filled += n;
  }
  return filled;
}
