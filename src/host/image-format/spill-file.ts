import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Bytes of a streamed image kept for later, at their own offsets in a sparse
 * temporary file: the parts of a qcow2 whose meaning was not known when the
 * stream passed them (a cluster before the table that maps it). Memory holds
 * only the list of kept ranges; the file holds at most the image. Created
 * on the first write; close() removes it.
 */
export class SpillFile {
  #dir: string | undefined;
  #file: FileHandle | undefined;
  /** Kept [start, end) ranges, sorted and merged. */
  readonly #ranges: Array<[number, number]> = [];
  #bytes = 0;

  get bytes(): number {
    return this.#bytes;
  }

  async write(data: Uint8Array, offset: number): Promise<void> {
    if (data.length === 0) return;
    if (this.#file === undefined) {
      this.#dir = await mkdtemp(join(tmpdir(), 'snf-image-spill-'));
      this.#file = await open(join(this.#dir, 'spill'), 'w+');
    }
    for (let done = 0; done < data.length; ) done += (await this.#file.write(data, done, data.length - done, offset + done)).bytesWritten;
    this.#bytes += data.length;
    const last = this.#ranges.at(-1);
    if (last !== undefined && last[1] === offset) last[1] = offset + data.length;
    else this.#ranges.push([offset, offset + data.length]);
    if (last !== undefined && last[1] > offset + data.length) this.#ranges.sort((a, b) => a[0] - b[0]);
  }

  /** Whether every byte of [start, end) was kept. */
  holds(start: number, end: number): boolean {
    let low = 0;
    let high = this.#ranges.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const [from, to] = this.#ranges[middle]!;
      if (start < from) high = middle - 1;
      else if (start >= to) low = middle + 1;
      else return end <= to;
    }
    return false;
  }

  async read(into: Uint8Array, offset: number): Promise<void> {
    for (let done = 0; done < into.length; ) {
      const { bytesRead } = await this.#file!.read(into, done, into.length - done, offset + done);
      if (bytesRead === 0) throw new Error(`spill file ends before offset ${offset + done}`);
      done += bytesRead;
    }
  }

  async close(): Promise<void> {
    const [file, dir] = [this.#file, this.#dir];
    this.#file = this.#dir = undefined;
    try {
      await file?.close();
    } finally {
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    }
  }
}
