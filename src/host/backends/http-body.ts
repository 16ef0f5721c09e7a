/** Reads raw bytes off a connection: SocketReader.read. */
export type RawRead = (into: Uint8Array) => Promise<number>;

/** Bytes after the end of a body the server framed: what it serves is not what it described. */
export class BodyOverrun extends Error {
  override readonly name = 'BodyOverrun';
  constructor() {
    super('bytes after the end of the body');
  }
}

/**
 * The end of a framed body: the request said Connection: close, so the
 * server closes now, and any byte still coming is an overrun. Read to the
 * close, which the stall limit bounds.
 */
async function expectClose(read: RawRead): Promise<0> {
  if ((await read(new Uint8Array(1))) > 0) throw new BodyOverrun();
  return 0;
}

/**
 * The body of an HTTP/1.1 response with Content-Length: exactly that many
 * bytes. A connection that ends before them is an error, never a short
 * image; bytes past them are not read.
 */
export function lengthBody(read: RawRead, length: number): (into: Uint8Array) => Promise<number> {
  let remaining = length;
  return async (into) => {
    if (into.length === 0) return 0;
    if (remaining === 0) return expectClose(read);
    const n = await read(into.subarray(0, Math.min(into.length, remaining)));
    if (n === 0) throw new Error(`the server closed the connection ${remaining} bytes short of the ${length} it announced`);
    remaining -= n;
    return n;
  };
}

type ChunkState = 'size' | 'extension' | 'sizeLf' | 'data' | 'dataCr' | 'dataLf' | 'trailer' | 'done';

/** Hex digits of a chunk size; more would overflow a double's exact range. */
const MAX_SIZE_DIGITS = 13;

/**
 * A chunked body (RFC 9112 7.1) decoded in the caller's buffer: raw bytes
 * are read into it and the chunk framing is squeezed out in place, so no
 * buffer of its own. The body ends at the last chunk and its trailer; a
 * connection that ends before is an error.
 */
export function chunkedBody(read: RawRead): (into: Uint8Array) => Promise<number> {
  let state: ChunkState = 'size';
  let size = 0;
  let digits = 0;
  let remaining = 0;
  let trailerLineLength = 0;
  const malformed = (what: string) => new Error(`the server sent a malformed chunked body (${what})`);

  return async (into) => {
    if (into.length === 0) return 0;
    for (;;) {
      if (state === 'done') return expectClose(read);
      // Only a chunk's data needs room; its framing is read a little at a time.
      const raw = state === 'data' ? into.subarray(0, Math.min(into.length, remaining)) : into.subarray(0, Math.min(into.length, 4096));
      const n = await read(raw);
      if (n === 0) throw new Error('the server closed the connection in the middle of a chunked body');
      let out = 0;
      for (let at = 0; at < n; ) {
        if (state === 'data') {
          const take = Math.min(remaining, n - at);
          if (out !== at) into.copyWithin(out, at, at + take);
          out += take;
          at += take;
          remaining -= take;
          if (remaining === 0) state = 'dataCr';
          continue;
        }
        const byte = into[at++]!;
        switch (state) {
          case 'size': {
            const digit = hexValue(byte);
            if (digit >= 0) {
              if (++digits > MAX_SIZE_DIGITS) throw malformed('a chunk size too large');
              size = size * 16 + digit;
            } else if (digits > 0 && (byte === 0x3b || byte === 0x20 || byte === 0x09)) state = 'extension';
            else if (digits > 0 && byte === 0x0d) state = 'sizeLf';
            else throw malformed('a chunk size that is not hexadecimal');
            break;
          }
          case 'extension':
            if (byte === 0x0d) state = 'sizeLf';
            break;
          case 'sizeLf':
            if (byte !== 0x0a) throw malformed('a chunk size line without its line feed');
            if (size === 0) state = 'trailer';
            else [state, remaining] = ['data', size];
            [size, digits] = [0, 0];
            break;
          case 'dataCr':
            if (byte !== 0x0d) throw malformed('a chunk longer than its size');
            state = 'dataLf';
            break;
          case 'dataLf':
            if (byte !== 0x0a) throw malformed('a chunk longer than its size');
            state = 'size';
            break;
          case 'trailer':
            // Trailer fields are ignored; an empty line ends the body.
            if (byte === 0x0a) {
              if (trailerLineLength === 0) state = 'done';
              trailerLineLength = 0;
            } else if (byte !== 0x0d) trailerLineLength++;
            break;
        }
        if (state === 'done') {
          if (at < n) throw new BodyOverrun();
          break;
        }
      }
      if (out > 0) return out;
    }
  };
}

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x61 + 10;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x41 + 10;
  return -1;
}
