import { AbortedError, type EffectContext } from '../../effects/effect.ts';
import { alignedBuffers } from '../copy/aligned-buffers.ts';
import { ProgressReporter } from '../copy/copy-progress.ts';
import type { CopyOptions, CopySummary } from '../copy/copy-stream.ts';
import { openDiskWriter } from '../copy/disk-writer.ts';
import { sparseWriter } from '../copy/sparse-writer.ts';
import { StagedWriter } from '../copy/staged-writer.ts';
import { runWorkers } from '../copy/worker-pool.ts';
import { CorruptQcow2, MAX_CLUSTER_BYTES, parseQcow2Header, type Qcow2Header } from './qcow2-header.ts';
import { Qcow2LargerThanDisk, writeZeroClusters } from './qcow2-copy.ts';
import { ClusterInflater } from './cluster-inflater.ts';
import { checkClusterOffset, clusterMapping, hostOffset } from './qcow2-tables.ts';

/** A qcow2 that can be read at any offset: a local file. */
export interface RandomAccessImage {
  readonly size: number;
  readAt(into: Uint8Array, position: number): Promise<number>;
}

/** Clusters mapped one after another on both sides, or compressed clusters for guest clusters one after another. */
type Run =
  | { readonly kind: 'data'; readonly host: number; length: number; readonly guest: number }
  | { readonly kind: 'compressed'; readonly host: number; hostEnd: number; readonly guest: number; readonly clusters: Array<{ host: number; length: number }> };

/**
 * Writes the guest disk of a local qcow2 onto the target, reading the file
 * at the offsets its tables give, as qemu-img convert does, rather than
 * front to back: each L2 table is read when the copy reaches it and turned
 * into runs of clusters, and a few workers each read a run straight into a
 * page-aligned buffer of their own and write it at its guest offset, so
 * several reads and writes are in flight and no byte is copied in memory.
 * Compressed clusters are inflated into the same buffers. Zero and
 * unallocated clusters cost nothing where the disk was zeroed cheaply, and
 * are written as zeros elsewhere. Progress counts the image bytes read and
 * ends at the file's size. The disk is closed whatever happens.
 */
export async function copyQcow2File(image: string, file: RandomAccessImage, target: string, ctx: EffectContext, options: CopyOptions): Promise<CopySummary> {
  const { signal } = ctx;
  const started = options.now();
  const head = new Uint8Array(Math.min(MAX_CLUSTER_BYTES, file.size));
  await readFully(image, file, head, 0, 'its header');
  const header = parseQcow2Header(image, head);
  const disk = await openDiskWriter(target);
  try {
    if (disk.capacity !== undefined && header.virtualSize > disk.capacity) throw new Qcow2LargerThanDisk(image, header.virtualSize, disk.path, disk.capacity);
    const sparse = await sparseWriter(disk, header.virtualSize, signal);
    const progress = new ProgressReporter(file.size, options.progressIntervalMs, ctx.emit, options.now);
    const runs = new RunQueue(image, header, file, options.bufferBytes);
    let read = 0;
    // Twice the stream copy's buffers: reads and writes both in flight, as qemu-img convert keeps several requests going.
    const buffers = alignedBuffers(options.bufferCount * 2, options.bufferBytes);
    const worker = async (buffer: Buffer, stopped: () => boolean) => {
      // Compressed bytes are read into `scratch` (made at the first compressed run) and inflated into `buffer`.
      let scratch: Buffer | undefined;
      const inflater = new ClusterInflater(image, header);
      try {
        while (!stopped()) {
          if (signal.aborted) throw new AbortedError('copyImage');
          const run = await runs.next();
          if (run === undefined) return;
          let length: number;
          if (run.kind === 'data') length = await readData(image, file, run, buffer);
          else length = await inflateRun(image, header, file, run, (scratch ??= Buffer.allocUnsafe(options.bufferBytes)), buffer, inflater);
          read += run.kind === 'data' ? run.length : run.hostEnd - run.host;
          // A compressed run is counted in whole sectors, which may reach past the end of the file.
          progress.advanced(Math.min(read, file.size));
          const room = Math.min(length, header.virtualSize - run.guest);
          await disk.write(buffer.subarray(0, room), run.guest);
        }
      } finally {
        inflater.close();
      }
    };
    await runWorkers(buffers, worker);
    if (signal.aborted) throw new AbortedError('copyImage');
    if (sparse.zeroedEnd < header.virtualSize) {
      const staged = new StagedWriter(disk, options.bufferBytes, options.bufferCount);
      try {
        await writeZeroClusters((index) => runs.hasData(index), header, sparse.zeroedEnd, staged);
        await staged.drain();
      } finally {
        await staged.settle();
      }
    }
    await disk.flush();
    progress.finished(file.size);
    const seconds = (options.now() - started) / 1000;
    return { bytes: header.virtualSize, seconds, megabytesPerSecond: seconds > 0 ? header.virtualSize / 1e6 / seconds : 0 };
  } catch (error) {
    if (signal.aborted) throw new AbortedError('copyImage');
    throw error;
  } finally {
    await disk.close();
  }
}

/**
 * The runs of clusters to copy, one L2 table at a time: a table is read
 * only when the runs of the one before are taken, so memory holds one
 * table's runs whatever the disk size.
 */
class RunQueue {
  readonly #image: string;
  readonly #header: Qcow2Header;
  readonly #file: RandomAccessImage;
  readonly #maxRunBytes: number;
  readonly #guestClusters: number;
  readonly #written: Uint8Array;
  #l1: DataView | undefined;
  #nextTable = 0;
  #runs: Run[] = [];
  #taken = 0;
  #loading: Promise<void> | undefined;

  constructor(image: string, header: Qcow2Header, file: RandomAccessImage, maxRunBytes: number) {
    this.#image = image;
    this.#header = header;
    this.#file = file;
    this.#maxRunBytes = maxRunBytes;
    this.#guestClusters = Math.ceil(header.virtualSize / header.clusterBytes);
    this.#written = new Uint8Array(Math.ceil(this.#guestClusters / 8));
  }

  /** Whether guest cluster `index` gets data; meaningful once every run was taken. */
  hasData(index: number): boolean {
    return (this.#written[index >> 3]! & (1 << (index & 7))) !== 0;
  }

  async next(): Promise<Run | undefined> {
    for (;;) {
      if (this.#taken < this.#runs.length) return this.#runs[this.#taken++];
      if (this.#nextTable * this.#l2Entries() >= this.#guestClusters) return undefined;
      this.#loading ??= this.#loadNextTable().finally(() => {
        this.#loading = undefined;
      });
      await this.#loading;
    }
  }

  #l2Entries(): number {
    return this.#header.clusterBytes / 8;
  }

  async #loadNextTable(): Promise<void> {
    const { clusterBytes, clusterBits, l1Offset, l1Entries } = this.#header;
    if (this.#l1 === undefined) {
      const bytes = new Uint8Array(l1Entries * 8);
      await readFully(this.#image, this.#file, bytes, l1Offset, 'its L1 table');
      this.#l1 = new DataView(bytes.buffer);
    }
    const runs: Run[] = [];
    // Tables without an L2 table map nothing: skip to the next that has one.
    for (; runs.length === 0 && this.#nextTable * this.#l2Entries() < this.#guestClusters; this.#nextTable++) {
      const l2Offset = hostOffset(this.#l1, this.#nextTable * 8);
      if (l2Offset === 0) continue;
      checkClusterOffset(this.#image, this.#header, l2Offset, 'an L2 table');
      const table = new Uint8Array(clusterBytes);
      await readFully(this.#image, this.#file, table, l2Offset, 'an L2 table');
      const view = new DataView(table.buffer);
      const first = this.#nextTable * this.#l2Entries();
      let run: Run | undefined;
      for (let j = 0; j < this.#l2Entries() && first + j < this.#guestClusters; j++) {
        const guestCluster = first + j;
        const guest = guestCluster * clusterBytes;
        const mapping = clusterMapping(view, j * 8, clusterBits);
        if (mapping.kind === 'zero') continue;
        this.#written[guestCluster >> 3]! |= 1 << (guestCluster & 7);
        if (mapping.kind === 'data') {
          checkClusterOffset(this.#image, this.#header, mapping.host, 'a data cluster');
          const previous = run?.kind === 'data' ? run : undefined;
          const joins =
            previous !== undefined &&
            previous.host + previous.length === mapping.host &&
            previous.guest + previous.length === guest &&
            previous.length + clusterBytes <= this.#maxRunBytes;
          if (joins) previous.length += clusterBytes;
          else runs.push((run = { kind: 'data', host: mapping.host, length: clusterBytes, guest }));
          continue;
        }
        const previous = run?.kind === 'compressed' ? run : undefined;
        const joins =
          previous !== undefined &&
          previous.guest + previous.clusters.length * clusterBytes === guest &&
          mapping.host >= previous.hostEnd - 512 &&
          (previous.clusters.length + 1) * clusterBytes <= this.#maxRunBytes &&
          mapping.host + mapping.length - previous.host <= this.#maxRunBytes;
        if (joins) {
          previous.clusters.push({ host: mapping.host, length: mapping.length });
          previous.hostEnd = Math.max(previous.hostEnd, mapping.host + mapping.length);
        } else runs.push((run = { kind: 'compressed', host: mapping.host, hostEnd: mapping.host + mapping.length, guest, clusters: [{ host: mapping.host, length: mapping.length }] }));
      }
    }
    this.#runs = runs;
    this.#taken = 0;
  }
}

async function readData(image: string, file: RandomAccessImage, run: Extract<Run, { kind: 'data' }>, buffer: Buffer): Promise<number> {
  await readFully(image, file, buffer.subarray(0, run.length), run.host, 'a data cluster');
  return run.length;
}

/** Reads a run of compressed clusters in one go (they lie one after another, at most `scratch` long) and inflates them into `buffer`. */
async function inflateRun(
  image: string,
  header: Qcow2Header,
  file: RandomAccessImage,
  run: Extract<Run, { kind: 'compressed' }>,
  scratch: Buffer,
  buffer: Buffer,
  inflater: ClusterInflater,
): Promise<number> {
  // The last compressed cluster may be counted in whole sectors past the end of the file.
  const end = Math.min(run.hostEnd, file.size);
  if (run.host >= end) throw pastTheEnd(image, 'a compressed cluster', run.host, file.size);
  const compressed = scratch.subarray(0, end - run.host);
  await readFully(image, file, compressed, run.host, 'a compressed cluster');
  run.clusters.forEach(({ host, length }, i) => {
    const bytes = compressed.subarray(host - run.host, Math.min(host + length, end) - run.host);
    inflater.inflate(bytes, buffer.subarray(i * header.clusterBytes, (i + 1) * header.clusterBytes), host);
  });
  return run.clusters.length * header.clusterBytes;
}

async function readFully(image: string, file: RandomAccessImage, into: Uint8Array, position: number, what: string): Promise<void> {
  if (position + into.length > file.size) throw pastTheEnd(image, what, position, file.size);
  for (let done = 0; done < into.length; ) {
    const n = await file.readAt(into.subarray(done), position + done);
    if (n === 0) throw pastTheEnd(image, what, position, position + done);
    done += n;
  }
}

function pastTheEnd(image: string, what: string, offset: number, size: number): CorruptQcow2 {
  return new CorruptQcow2(image, `${what} lies at offset ${offset}, past the end of the image at ${size} bytes`);
}
