import { createHash, type Hash } from 'node:crypto';
import { SnfImageError } from '../../errors.ts';
import type { ByteSource } from '../backends/byte-source.ts';

/** The digests img_checksum may name: those distributions publish (SHA256SUMS, SHA512SUMS). */
export const CHECKSUM_ALGORITHMS = { sha256: 64, sha384: 96, sha512: 128 } as const;
export type ChecksumAlgorithm = keyof typeof CHECKSUM_ALGORITHMS;

export interface ImageChecksum {
  readonly algorithm: ChecksumAlgorithm;
  /** Lower-case hex. */
  readonly digest: string;
}

export class ChecksumMismatch extends SnfImageError {
  override readonly name = 'ChecksumMismatch';
  constructor(readonly image: string, readonly expected: ImageChecksum, readonly actual: string) {
    super(
      `image ${image} does not match img_checksum: its ${expected.algorithm} is ${actual}, img_checksum says ${expected.digest}; ` +
        'the image is damaged or not the one meant, and the disk must not be used',
    );
  }
}

/** `sha256:<hex>` to an ImageChecksum; undefined when the text is not one (the message is the caller's, which knows where the value came from). */
export function parseImageChecksum(text: string): ImageChecksum | undefined {
  const match = /^(sha256|sha384|sha512):([0-9a-fA-F]+)$/.exec(text.trim());
  if (!match) return undefined;
  const algorithm = match[1] as ChecksumAlgorithm;
  if (match[2]!.length !== CHECKSUM_ALGORITHMS[algorithm]) return undefined;
  return { algorithm, digest: match[2]!.toLowerCase() };
}

export interface HashingSource extends ByteSource {
  /** Throws ChecksumMismatch unless every byte read so far hashes to the expected digest; call once the source has ended. */
  verify(): void;
}

/** Hashes the bytes as they are read, before any decompression or decoding: the checksum is of the file as published. */
export function hashingSource(image: string, expected: ImageChecksum, source: ByteSource): HashingSource {
  const hash: Hash = createHash(expected.algorithm);
  return {
    size: source.size,
    async read(into) {
      const n = await source.read(into);
      if (n > 0) hash.update(into.subarray(0, n));
      return n;
    },
    close: () => source.close(),
    verify() {
      const actual = hash.digest('hex');
      if (actual !== expected.digest) throw new ChecksumMismatch(image, expected, actual);
    },
  };
}
