import { CorruptQcow2, type Qcow2Header } from './qcow2-header.ts';
import { ClusterInflater } from './cluster-inflater.ts';
import { checkClusterOffset, clusterMapping, hostOffset } from './qcow2-tables.ts';
import type { SpillFile } from './spill-file.ts';

/**
 * A qcow2 decoded as it streams past, front to back, with no seeking: what
 * lets an image come straight off an HTTP connection onto the disk.
 *
 * The decoder keeps a list of the byte ranges it needs ahead of the stream
 * position: first the L1 table (the header says where), then each L2 table
 * the L1 table names, then the data and compressed clusters each L2 table
 * maps. qemu-img writes a table before the clusters it maps, so on such
 * images every range is known before the stream reaches it, and the data
 * goes straight to the disk. Bytes the stream passes while some table is
 * still unread may turn out to be needed later (a cluster stored before its
 * table); they go to a spill file and are read back from there once a table
 * names them. Once every table is read nothing more can be needed, and
 * nothing more is kept: memory stays at the tables, the spill file at most
 * the part of the image that came out of order.
 */
export interface GuestWrites {
  /** Guest bytes at a guest offset; `data` may be reused once the promise resolves. */
  put(data: Uint8Array, guestOffset: number): Promise<void>;
}

type Need =
  | { kind: 'l1'; start: number; end: number; bytes: Uint8Array; filled: number }
  | { kind: 'l2'; start: number; end: number; bytes: Uint8Array; filled: number; firstGuestCluster: number }
  | { kind: 'data'; start: number; end: number; guest: number }
  /** `bytes` only once the cluster turns out to straddle two chunks: a cluster within one is inflated from it. */
  | { kind: 'compressed'; start: number; end: number; bytes: Uint8Array | undefined; filled: number; guest: number };

export class Qcow2StreamDecoder {
  readonly #image: string;
  readonly #header: Qcow2Header;
  readonly #out: GuestWrites;
  readonly #spill: SpillFile;
  /** Ranges still to come, sorted by start, latest start last; the next is popped from the end. */
  #needs: Need[] = [];
  #sorted = true;
  /** Tables named but not yet read: while any is, passed bytes are kept. */
  #tablesPending = 0;
  #position = 0;
  /** The chunk being decoded, for needs that turn out to lie in it behind the cursor. */
  #chunk: Uint8Array = new Uint8Array(0);
  #chunkStart = 0;
  /** Guest clusters that receive data; the rest read as zeros. */
  readonly #written: Uint8Array;
  readonly #inflater: ClusterInflater;
  /** Where each compressed cluster is inflated before it is written (written means copied out). */
  readonly #cluster: Uint8Array;

  constructor(image: string, header: Qcow2Header, out: GuestWrites, spill: SpillFile) {
    this.#image = image;
    this.#header = header;
    this.#out = out;
    this.#spill = spill;
    this.#written = new Uint8Array(Math.ceil(Math.ceil(header.virtualSize / header.clusterBytes) / 8));
    this.#inflater = new ClusterInflater(image, header);
    this.#cluster = new Uint8Array(header.clusterBytes);
    this.#tablesPending = 1;
    this.#add({ kind: 'l1', start: header.l1Offset, end: header.l1Offset + header.l1Entries * 8, bytes: new Uint8Array(header.l1Entries * 8), filled: 0 });
  }

  /** Releases the zlib engine compressed clusters were inflated with. */
  close(): void {
    this.#inflater.close();
  }

  /** Whether nothing more is needed from the stream. */
  get done(): boolean {
    return this.#tablesPending === 0 && this.#needs.length === 0;
  }

  /** Whether guest cluster `index` was given data (not a zero or unallocated cluster). */
  hasData(index: number): boolean {
    return (this.#written[index >> 3]! & (1 << (index & 7))) !== 0;
  }

  /** The next `chunk` of the stream, which starts where the previous one ended. */
  async consume(chunk: Uint8Array): Promise<void> {
    const start = this.#position;
    const end = start + chunk.length;
    this.#chunk = chunk;
    this.#chunkStart = start;
    let cursor = start;
    for (;;) {
      const need = this.#next();
      if (need === undefined || need.start >= end) break;
      if (need.start > cursor) await this.#keep(cursor, need.start);
      this.#needs.pop();
      const to = Math.min(need.end, end);
      const piece = chunk.subarray(need.start - start, to - start);
      cursor = Math.max(cursor, to);
      if (to < need.end) {
        // Continues in the next chunk: take what is here and put the rest back.
        await this.#partial(need, piece);
        this.#add(need);
      } else await this.#complete(need, piece);
    }
    if (cursor < end) await this.#keep(cursor, end);
    this.#position = end;
  }

  /** The stream has ended: every range still needed lies past its end. */
  async finish(): Promise<void> {
    const need = this.#next();
    if (need === undefined) return;
    // The last compressed cluster may be counted in whole sectors past the end of the file.
    if (need.kind === 'compressed' && need.bytes !== undefined && need.filled > 0 && this.#needs.length === 1) {
      this.#needs.pop();
      await this.#inflate(need, need.bytes.subarray(0, need.filled));
      return;
    }
    const what = need.kind === 'l1' ? 'its L1 table' : need.kind === 'l2' ? 'an L2 table' : 'a data cluster';
    throw new CorruptQcow2(this.#image, `${what} lies at offset ${need.start}, past the end of the image at ${this.#position} bytes`);
  }

  #next(): Need | undefined {
    if (!this.#sorted) {
      this.#needs.sort((a, b) => b.start - a.start);
      this.#sorted = true;
    }
    return this.#needs.at(-1);
  }

  #add(need: Need): void {
    const last = this.#needs.at(-1);
    if (last !== undefined && last.start < need.start) this.#sorted = false;
    this.#needs.push(need);
  }

  /** A range the stream passed with no known use. */
  async #keep(from: number, to: number): Promise<void> {
    if (this.#tablesPending === 0) return;
    await this.#spill.write(this.#chunk.subarray(from - this.#chunkStart, to - this.#chunkStart), from);
  }

  async #partial(need: Need, piece: Uint8Array): Promise<void> {
    if (need.kind === 'data') {
      await this.#putGuest(piece, need.guest);
      need.guest += piece.length;
    } else {
      // Held for the next chunk: the whole of what is needed from here on.
      if (need.kind === 'compressed') need.bytes ??= new Uint8Array(need.end - need.start);
      need.bytes!.set(piece, need.filled);
      need.filled += piece.length;
    }
    need.start += piece.length;
  }

  async #complete(need: Need, piece: Uint8Array): Promise<void> {
    switch (need.kind) {
      case 'data':
        return this.#putGuest(piece, need.guest);
      case 'compressed':
        if (need.bytes === undefined) return this.#inflate(need, piece);
        need.bytes.set(piece, need.filled);
        return this.#inflate(need, need.bytes);
      case 'l1':
        need.bytes.set(piece, need.filled);
        return this.#readL1(need.bytes);
      case 'l2':
        need.bytes.set(piece, need.filled);
        return this.#readL2(need.bytes, need.firstGuestCluster);
    }
  }

  /** A need found when the stream is already past its start: read from the current chunk or the spill file. */
  async #behind(need: Need): Promise<void> {
    const inChunk = Math.max(need.start, this.#chunkStart);
    const spilled = new Uint8Array(inChunk - need.start);
    if (spilled.length > 0) {
      if (!this.#spill.holds(need.start, inChunk)) {
        throw new CorruptQcow2(this.#image, `a table points at offset ${need.start}, into the header or another table`);
      }
      await this.#spill.read(spilled, need.start);
    }
    const here = this.#chunk.subarray(inChunk - this.#chunkStart, Math.max(inChunk, Math.min(need.end, this.#position + this.#chunk.length)) - this.#chunkStart);
    const head = spilled.length > 0 && here.length > 0 ? Buffer.concat([spilled, here]) : spilled.length > 0 ? spilled : here;
    const upTo = need.start + head.length;
    if (upTo >= need.end) return this.#complete(need, head.subarray(0, need.end - need.start));
    await this.#partial(need, head);
    this.#add(need);
  }

  async #need(need: Need, cursorLimit: number): Promise<void> {
    if (need.start < cursorLimit) return this.#behind(need);
    this.#add(need);
  }

  async #readL1(bytes: Uint8Array): Promise<void> {
    const { clusterBytes, virtualSize } = this.#header;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const l2Entries = clusterBytes / 8;
    const guestClusters = Math.ceil(virtualSize / clusterBytes);
    this.#tablesPending--;
    for (let i = 0; i * l2Entries < guestClusters; i++) {
      const offset = hostOffset(view, i * 8);
      if (offset === 0) continue;
      this.#checkCluster(offset, 'an L2 table');
      this.#tablesPending++;
      await this.#need({ kind: 'l2', start: offset, end: offset + clusterBytes, bytes: new Uint8Array(clusterBytes), filled: 0, firstGuestCluster: i * l2Entries }, this.#passed());
    }
  }

  async #readL2(bytes: Uint8Array, firstGuestCluster: number): Promise<void> {
    const { clusterBytes, clusterBits, virtualSize } = this.#header;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const guestClusters = Math.ceil(virtualSize / clusterBytes);
    this.#tablesPending--;
    const passed = this.#passed();
    let run: Extract<Need, { kind: 'data' }> | undefined;
    const flush = async () => {
      if (run !== undefined) await this.#need(run, passed);
      run = undefined;
    };
    for (let j = 0; j < clusterBytes / 8 && firstGuestCluster + j < guestClusters; j++) {
      const guestCluster = firstGuestCluster + j;
      const guest = guestCluster * clusterBytes;
      const mapping = clusterMapping(view, j * 8, clusterBits);
      if (mapping.kind === 'compressed') {
        await flush();
        this.#mark(guestCluster);
        await this.#need({ kind: 'compressed', start: mapping.host, end: mapping.host + mapping.length, bytes: undefined, filled: 0, guest }, passed);
        continue;
      }
      if (mapping.kind === 'zero') continue;
      const offset = mapping.host;
      this.#checkCluster(offset, 'a data cluster');
      this.#mark(guestCluster);
      // Clusters stored one after another for guest clusters one after another make one range.
      if (run !== undefined && run.end === offset && run.guest + (run.end - run.start) === guest) run.end += clusterBytes;
      else {
        await flush();
        run = { kind: 'data', start: offset, end: offset + clusterBytes, guest };
      }
    }
    await flush();
  }

  /** The stream offset up to which bytes have gone by (the chunk being decoded counts as gone by). */
  #passed(): number {
    return this.#chunkStart + this.#chunk.length;
  }

  #mark(guestCluster: number): void {
    this.#written[guestCluster >> 3]! |= 1 << (guestCluster & 7);
  }

  #checkCluster(offset: number, what: string): void {
    checkClusterOffset(this.#image, this.#header, offset, what);
  }

  async #inflate(need: Extract<Need, { kind: 'compressed' }>, bytes: Uint8Array): Promise<void> {
    this.#inflater.inflate(bytes, this.#cluster, need.start - need.filled);
    await this.#putGuest(this.#cluster, need.guest);
  }

  /** Guest bytes, cut at the end of the virtual disk (its last cluster may reach past it). */
  async #putGuest(data: Uint8Array, guest: number): Promise<void> {
    const room = this.#header.virtualSize - guest;
    if (room <= 0) return;
    await this.#out.put(room < data.length ? data.subarray(0, room) : data, guest);
  }
}
