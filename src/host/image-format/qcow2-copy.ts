import { AbortedError, type EffectContext } from '../../effects/effect.ts';
import { readHead, type ByteSource } from '../backends/byte-source.ts';
import { ProgressReporter } from '../copy/copy-progress.ts';
import { fill, ImageSizeMismatch, type CopyOptions, type CopySummary } from '../copy/copy-stream.ts';
import { openDiskWriter } from '../copy/disk-writer.ts';
import { sparseWriter } from '../copy/sparse-writer.ts';
import { StagedWriter } from '../copy/staged-writer.ts';
import { SnfImageError } from '../../errors.ts';
import { MAX_CLUSTER_BYTES, parseQcow2Header, type Qcow2Header } from './qcow2-header.ts';
import { Qcow2StreamDecoder } from './qcow2-stream.ts';
import { SpillFile } from './spill-file.ts';

export class Qcow2LargerThanDisk extends SnfImageError {
  override readonly name = 'Qcow2LargerThanDisk';
  constructor(readonly image: string, readonly virtualSize: number, readonly disk: string, readonly capacity: number) {
    super(`image ${image} is a qcow2 of a ${virtualSize}-byte disk, larger than disk ${disk} (${capacity} bytes); make the disk at least ${virtualSize} bytes`);
  }
}

/**
 * Writes the guest disk a qcow2 stream holds onto the target, decoding it
 * as it arrives (qcow2-stream.ts) while the previous buffer is written.
 * The guest disk's range of the target is zeroed first where that is cheap,
 * so zero and unallocated clusters cost nothing; elsewhere they are written
 * as zeros. Progress counts the image bytes read, so it ends at 100% of what
 * the source announced. The spill file and the disk are released whatever
 * happens.
 */
export async function copyQcow2(image: string, stream: ByteSource, target: string, ctx: EffectContext, options: CopyOptions): Promise<CopySummary> {
  const { signal } = ctx;
  const started = options.now();
  const { head, source } = await readHead(stream, MAX_CLUSTER_BYTES);
  const header = parseQcow2Header(image, head);
  const disk = await openDiskWriter(target);
  const spill = new SpillFile();
  let staged: StagedWriter | undefined;
  let decoder: Qcow2StreamDecoder | undefined;
  try {
    if (disk.capacity !== undefined && header.virtualSize > disk.capacity) throw new Qcow2LargerThanDisk(image, header.virtualSize, disk.path, disk.capacity);
    const sparse = await sparseWriter(disk, header.virtualSize, signal);
    // Straight to the disk, not through the zero scan: the zeros of a qcow2 are its zero and unallocated
    // clusters, already left out, and scanning the data clusters again only split the writes.
    staged = new StagedWriter(disk, options.bufferBytes, options.bufferCount);
    decoder = new Qcow2StreamDecoder(image, header, staged, spill);
    const progress = new ProgressReporter(source.size, options.progressIntervalMs, ctx.emit, options.now);
    const buffers = [Buffer.allocUnsafe(options.bufferBytes), Buffer.allocUnsafe(options.bufferBytes)];
    let read = 0;
    // The next buffer is read while this one is decoded.
    let reading = fill(source, buffers[0]!, signal);
    for (let turn = 0; ; turn++) {
      const filled = await reading;
      if (filled === 0) break;
      const chunk = buffers[turn % 2]!.subarray(0, filled);
      reading = filled < chunk.length ? Promise.resolve(0) : fill(source, buffers[(turn + 1) % 2]!, signal);
      reading.catch(() => {}); // awaited on the next turn
      if (!decoder.done) await decoder.consume(chunk);
      read += filled;
      if (source.size !== undefined && read > source.size) throw new ImageSizeMismatch(read, source.size);
      progress.advanced(read);
    }
    if (source.size !== undefined && read !== source.size) throw new ImageSizeMismatch(read, source.size);
    await decoder.finish();
    await writeZeroClusters((index) => decoder!.hasData(index), header, sparse.zeroedEnd, staged);
    await staged.drain();
    await disk.flush();
    progress.finished(read);
    const seconds = (options.now() - started) / 1000;
    return { bytes: header.virtualSize, seconds, megabytesPerSecond: seconds > 0 ? header.virtualSize / 1e6 / seconds : 0 };
  } catch (error) {
    await staged?.settle();
    if (signal.aborted) throw new AbortedError('copyImage');
    throw error;
  } finally {
    decoder?.close();
    await spill.close();
    await disk.close();
  }
}

/** Zeros for the clusters without data that lie where the disk could not be zeroed cheaply: never what was there before. */
export async function writeZeroClusters(hasData: (index: number) => boolean, header: Qcow2Header, zeroedEnd: number, out: StagedWriter): Promise<void> {
  const { clusterBytes, virtualSize } = header;
  const zeros = new Uint8Array(clusterBytes);
  for (let index = Math.floor(zeroedEnd / clusterBytes); index * clusterBytes < virtualSize; index++) {
    if (hasData(index)) continue;
    const start = Math.max(index * clusterBytes, zeroedEnd);
    const end = Math.min((index + 1) * clusterBytes, virtualSize);
    await out.put(zeros.subarray(0, end - start), start);
  }
}
