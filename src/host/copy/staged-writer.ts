import { alignedBuffers } from './aligned-buffers.ts';
import type { DiskWriter } from './disk-writer.ts';

/**
 * Collects pieces written at any offsets into page-aligned staging buffers
 * and writes each run of adjacent pieces in one go, while the next runs
 * fill the other buffers: a decoder can hand over 64 KiB clusters from
 * unaligned memory and the disk still sees large O_DIRECT writes.
 */
export class StagedWriter {
  readonly #disk: DiskWriter;
  readonly #buffers: Buffer[];
  readonly #inFlight: Array<Promise<void>>;
  #current = 0;
  #start = 0;
  #length = 0;
  #failure: unknown;

  /** `bufferCount` buffers: one filling, the others' writes in flight together. */
  constructor(disk: DiskWriter, bufferBytes: number, bufferCount: number) {
    this.#disk = disk;
    this.#buffers = alignedBuffers(bufferCount, bufferBytes);
    this.#inFlight = this.#buffers.map(() => Promise.resolve());
  }

  async put(data: Uint8Array, position: number): Promise<void> {
    let done = 0;
    while (done < data.length) {
      if (this.#length > 0 && (position + done !== this.#start + this.#length || this.#length === this.#buffers[0]!.length)) await this.#send();
      if (this.#length === 0) this.#start = position + done;
      const buffer = this.#buffers[this.#current]!;
      const n = Math.min(data.length - done, buffer.length - this.#length);
      buffer.set(data.subarray(done, done + n), this.#length);
      this.#length += n;
      done += n;
    }
  }

  /** Writes what is staged and waits for every write; rethrows the first write failure. */
  async drain(): Promise<void> {
    if (this.#length > 0) await this.#send();
    await Promise.all(this.#inFlight);
    if (this.#failure !== undefined) throw this.#failure;
  }

  /** Waits for the writes in flight, failed or not: nothing touches the disk once this resolves. */
  async settle(): Promise<void> {
    await Promise.allSettled(this.#inFlight);
  }

  async #send(): Promise<void> {
    if (this.#failure !== undefined) throw this.#failure;
    const index = this.#current;
    const [start, length] = [this.#start, this.#length];
    this.#inFlight[index] = this.#disk.write(this.#buffers[index]!.subarray(0, length), start).catch((error: unknown) => {
      this.#failure ??= error;
    });
    this.#current = (index + 1) % this.#buffers.length;
    this.#length = 0;
    // The next buffer is refilled only once its own write is done.
    await this.#inFlight[this.#current];
    if (this.#failure !== undefined) throw this.#failure;
  }
}
