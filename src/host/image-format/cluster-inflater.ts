import { createInflateRaw, inflateRawSync, constants as zlib, type InflateRaw } from 'node:zlib';
import { CorruptQcow2, type Qcow2Header } from './qcow2-header.ts';

/** What Node's zlib streams carry inside: the binding lib/zlib.js drives. */
interface ZlibInternals {
  readonly _handle?: { writeSync(flush: number, input: Uint8Array, inOffset: number, inLength: number, output: Uint8Array, outOffset: number, outLength: number): void };
  readonly _writeState?: Uint32Array;
}

/**
 * Inflates qcow2's compressed clusters into the caller's memory, one zlib
 * engine for all of them, reset between clusters. Node's one-shot
 * inflateRawSync makes an engine and two fresh 64 KiB Buffers a cluster,
 * which V8 frees in batches of 32 MiB: a compressed image went past 100 MiB
 * of RSS on that alone. Node has no public call that inflates into a given
 * buffer, so this drives the engine's handle as lib/zlib.js's own
 * processChunkSync does (`_handle.writeSync` with our buffer as output,
 * `_writeState` for the room left). A Node without that handle gets the
 * one-shot call and its garbage, not a failure; the qcow2 tests compare
 * both readers' output with qemu's, whichever way it went.
 */
export class ClusterInflater {
  readonly #image: string;
  readonly #header: Qcow2Header;
  #engine: InflateRaw | undefined;

  constructor(image: string, header: Qcow2Header) {
    this.#image = image;
    this.#header = header;
  }

  /** Inflates `bytes` (found at `hostStart` of the image) into `cluster`, which must be one cluster long. */
  inflate(bytes: Uint8Array, cluster: Uint8Array, hostStart: number): void {
    const engine = (this.#engine ??= this.#open());
    const { _handle: handle, _writeState: state } = engine as unknown as ZlibInternals;
    if (handle === undefined || state === undefined) {
      cluster.set(this.#inflateOnce(bytes, hostStart));
      return;
    }
    engine.reset();
    // As qemu: a raw deflate stream that may be followed by padding, and must fill the cluster exactly.
    handle.writeSync(zlib.Z_SYNC_FLUSH, bytes, 0, bytes.length, cluster, 0, cluster.length);
    if (engine.destroyed) {
      this.#engine = undefined;
      throw this.#undecodable(hostStart, engine.errored?.message ?? 'zlib failed');
    }
    const produced = cluster.length - state[0]!;
    if (produced !== cluster.length) throw this.#shortCluster(hostStart, produced);
  }

  close(): void {
    this.#engine?.close();
    this.#engine = undefined;
  }

  #open(): InflateRaw {
    const engine = createInflateRaw();
    engine.on('error', () => {}); // seen through `destroyed` at once; the event comes a tick later
    return engine;
  }

  #inflateOnce(bytes: Uint8Array, hostStart: number): Buffer {
    let cluster: Buffer;
    try {
      cluster = inflateRawSync(bytes, { finishFlush: zlib.Z_SYNC_FLUSH, maxOutputLength: this.#header.clusterBytes });
    } catch (error) {
      throw this.#undecodable(hostStart, (error as Error).message);
    }
    if (cluster.length !== this.#header.clusterBytes) throw this.#shortCluster(hostStart, cluster.length);
    return cluster;
  }

  #undecodable(hostStart: number, reason: string): CorruptQcow2 {
    return new CorruptQcow2(this.#image, `the compressed cluster at offset ${hostStart} does not decompress (${reason})`);
  }

  #shortCluster(hostStart: number, length: number): CorruptQcow2 {
    return new CorruptQcow2(this.#image, `the compressed cluster at offset ${hostStart} decompresses to ${length} bytes, not ${this.#header.clusterBytes}`);
  }
}
