import { AbortedError, type EffectContext } from '../../effects/effect.ts';
import { SnfImageError } from '../../errors.ts';
import { alignedBuffers } from './aligned-buffers.ts';
import type { ByteSource } from '../backends/byte-source.ts';
import { ProgressReporter } from './copy-progress.ts';
import { DiskTooSmall, type DiskWriter } from './disk-writer.ts';

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
 * buffers whatever the image size. A source that ends before (or runs
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
  const slots = alignedBuffers(options.bufferCount, options.bufferBytes);
  const progress = new ProgressReporter(source.size, options.progressIntervalMs, ctx.emit, options.now);
  let read = 0;
  let written = 0;
  let failure: unknown;
  // Each slot's write runs on its own, several at once (the disk sees a queue, not one request at a
  // time); a slot is refilled only once its own write is done. The first failure ends the copy.
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
    await disk.flush();
  } catch (error) {
    await Promise.all(slotWritten);
    if (signal.aborted) throw new AbortedError('copyImage');
    throw error;
  }
  progress.finished(written);
  const seconds = (options.now() - started) / 1000;
  return { bytes: written, seconds, megabytesPerSecond: seconds > 0 ? written / 1e6 / seconds : 0 };
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
