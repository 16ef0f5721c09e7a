import { createHash } from 'node:crypto';
import { encodeDigest, randomSalt } from './crypt-base64.ts';

/**
 * SHA-crypt (`$5$` SHA-256, `$6$` SHA-512) as specified by Ulrich Drepper
 * and implemented by glibc and libxcrypt.
 */
const DEFAULT_ROUNDS = 5000;
const MAX_SALT = 16;

const SHA512_ORDER: ReadonlyArray<readonly number[]> = [
  [0, 21, 42], [22, 43, 1], [44, 2, 23], [3, 24, 45], [25, 46, 4], [47, 5, 26], [6, 27, 48],
  [28, 49, 7], [50, 8, 29], [9, 30, 51], [31, 52, 10], [53, 11, 32], [12, 33, 54], [34, 55, 13],
  [56, 14, 35], [15, 36, 57], [37, 58, 16], [59, 17, 38], [18, 39, 60], [40, 61, 19], [62, 20, 41],
  [63],
];
const SHA256_ORDER: ReadonlyArray<readonly number[]> = [
  [0, 10, 20], [21, 1, 11], [12, 22, 2], [3, 13, 23], [24, 4, 14],
  [15, 25, 5], [6, 16, 26], [27, 7, 17], [18, 28, 8], [9, 19, 29], [31, 30],
];

const VARIANTS = {
  sha256: { prefix: '$5$', order: SHA256_ORDER },
  sha512: { prefix: '$6$', order: SHA512_ORDER },
} as const;

export type ShaCryptAlgorithm = keyof typeof VARIANTS;

export function shaCrypt(algorithm: ShaCryptAlgorithm, password: string, salt = randomSalt(MAX_SALT), rounds = DEFAULT_ROUNDS): string {
  const { prefix, order } = VARIANTS[algorithm];
  const key = Buffer.from(password, 'utf8');
  const saltBytes = Buffer.from(salt.slice(0, MAX_SALT), 'utf8');
  const hash = (...parts: Uint8Array[]): Buffer => {
    const h = createHash(algorithm);
    for (const part of parts) h.update(part);
    return h.digest();
  };

  const alternate = hash(key, saltBytes, key);
  const a = createHash(algorithm).update(key).update(saltBytes);
  a.update(repeatTo(alternate, key.length));
  for (let n = key.length; n > 0; n >>= 1) a.update(n & 1 ? alternate : key);
  let digest = a.digest();

  const pBytes = repeatTo(hash(...Array<Uint8Array>(key.length).fill(key)), key.length);
  const sBytes = repeatTo(hash(...Array<Uint8Array>(16 + (digest[0] ?? 0)).fill(saltBytes)), saltBytes.length);

  for (let i = 0; i < rounds; i++) {
    const c = createHash(algorithm);
    c.update(i & 1 ? pBytes : digest);
    if (i % 3) c.update(sBytes);
    if (i % 7) c.update(pBytes);
    c.update(i & 1 ? digest : pBytes);
    digest = c.digest();
  }

  const roundsField = rounds === DEFAULT_ROUNDS ? '' : `rounds=${rounds}$`;
  return `${prefix}${roundsField}${saltBytes.toString('utf8')}$${encodeDigest(digest, order)}`;
}

/** The first `length` bytes of `block` repeated. */
function repeatTo(block: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i += block.length) block.copy(out, i, 0, Math.min(block.length, length - i));
  return out;
}
