import type { OnReadOpts, Socket } from 'node:net';

/** What the socket reads at a time into its one receive buffer. */
const RECEIVE_BYTES = 64 * 1024;
/** Bytes received ahead of the reader before the socket stops reading (TCP's window then holds the sender). */
const QUEUE_BYTES = 4 * RECEIVE_BYTES;

/**
 * The bytes a socket receives, read into the caller's buffers. A socket
 * read as a stream hands over every 64 KiB it receives in a fresh Buffer,
 * and V8 frees those only at its next scavenge: over a gigabyte-long
 * download tens of megabytes of them wait to be collected at any time.
 * Here the socket reads into one fixed buffer of its own (net's `onread`),
 * whose bytes go at once into the buffer of a waiting read or into a small
 * fixed queue; the socket stops reading while the queue is full. Memory
 * stays at these two buffers however long the transfer.
 *
 * Use: `const reader = new SocketReader(); reader.attach(net.connect({ ..., onread: reader.onread }))`.
 */
export class SocketReader {
  readonly onread: OnReadOpts;
  readonly #queue = Buffer.allocUnsafe(QUEUE_BYTES);
  #queueStart = 0;
  #queueEnd = 0;
  #socket: Socket | undefined;
  #paused = false;
  #ended = false;
  #error: Error | undefined;
  #waiting: { into: Uint8Array; resolve: (n: number) => void; reject: (error: Error) => void } | undefined;

  constructor() {
    this.onread = { buffer: Buffer.allocUnsafe(RECEIVE_BYTES), callback: (n, buffer) => this.#received(buffer.subarray(0, n)) };
  }

  attach(socket: Socket): void {
    this.#socket = socket;
    socket.on('end', () => this.#finish(undefined));
    socket.on('error', (error) => this.#finish(error));
    // A socket destroyed without an error (by the reader's owner) ends the bytes too.
    socket.on('close', () => this.#finish(undefined));
  }

  /** Fills the start of `into` with what was received; 0 once the peer has closed. Rejects with the socket's error. */
  read(into: Uint8Array): Promise<number> {
    if (this.#queueEnd > this.#queueStart) return Promise.resolve(this.#takeQueued(into));
    if (this.#error !== undefined) return Promise.reject(this.#error);
    if (this.#ended || into.length === 0) return Promise.resolve(0);
    return new Promise((resolve, reject) => {
      this.#waiting = { into, resolve, reject };
    });
  }

  #received(bytes: Uint8Array): boolean {
    let rest = bytes;
    const waiting = this.#waiting;
    if (waiting !== undefined) {
      this.#waiting = undefined;
      const n = Math.min(rest.length, waiting.into.length);
      waiting.into.set(rest.subarray(0, n));
      rest = rest.subarray(n);
      waiting.resolve(n);
    }
    if (rest.length > 0) {
      if (this.#queueEnd + rest.length > QUEUE_BYTES) {
        this.#queue.copyWithin(0, this.#queueStart, this.#queueEnd);
        this.#queueEnd -= this.#queueStart;
        this.#queueStart = 0;
      }
      this.#queue.set(rest, this.#queueEnd);
      this.#queueEnd += rest.length;
    }
    // Room for one more receive buffer, or the socket waits for the reader.
    this.#paused = QUEUE_BYTES - (this.#queueEnd - this.#queueStart) < RECEIVE_BYTES;
    return !this.#paused;
  }

  #takeQueued(into: Uint8Array): number {
    const n = Math.min(into.length, this.#queueEnd - this.#queueStart);
    into.set(this.#queue.subarray(this.#queueStart, this.#queueStart + n));
    this.#queueStart += n;
    if (this.#queueStart === this.#queueEnd) this.#queueStart = this.#queueEnd = 0;
    if (this.#paused && QUEUE_BYTES - (this.#queueEnd - this.#queueStart) >= RECEIVE_BYTES) {
      this.#paused = false;
      this.#socket?.resume();
    }
    return n;
  }

  #finish(error: Error | undefined): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#error = error;
    const waiting = this.#waiting;
    this.#waiting = undefined;
    if (waiting === undefined) return;
    if (error !== undefined) waiting.reject(error);
    else waiting.resolve(0);
  }
}
