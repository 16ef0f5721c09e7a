/**
 * The compressions a raw image may come in, told by the magic bytes at its
 * start, never by its name: a URL need not end in .xz, and a file named
 * .img may well be compressed.
 */
export const COMPRESSIONS = ['gzip', 'xz', 'zstd'] as const;
export type Compression = (typeof COMPRESSIONS)[number];

const MAGIC: ReadonlyArray<readonly [Compression, readonly number[]]> = [
  ['gzip', [0x1f, 0x8b, 0x08]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
];

/** Enough of the start of an image to tell any of them. */
export const COMPRESSION_MAGIC_BYTES = 6;

export function detectCompression(head: Uint8Array): Compression | undefined {
  return MAGIC.find(([, magic]) => magic.every((byte, i) => head[i] === byte))?.[0];
}
