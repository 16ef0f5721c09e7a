import { randomInt } from 'node:crypto';

/** The crypt(3) alphabet: a base 64 that starts with `./` and puts digits first. */
export const CRYPT_ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Encodes 24 bits as `count` characters, least significant six bits first (crypt's b64_from_24bit). */
export function encode24(high: number, middle: number, low: number, count: number): string {
  let word = (high << 16) | (middle << 8) | low;
  let out = '';
  for (let i = 0; i < count; i++) {
    out += CRYPT_ALPHABET[word & 0x3f];
    word >>>= 6;
  }
  return out;
}

/** Encodes a digest by crypt's byte-permutation table: each triple becomes 4 characters, a short last group fewer. */
export function encodeDigest(digest: Uint8Array, groups: ReadonlyArray<readonly number[]>): string {
  return groups
    .map((group) => {
      const [a, b, c] = group.map((index) => digest[index] ?? 0);
      if (group.length === 3) return encode24(a ?? 0, b ?? 0, c ?? 0, 4);
      if (group.length === 2) return encode24(0, a ?? 0, b ?? 0, 3);
      return encode24(0, 0, a ?? 0, 2);
    })
    .join('');
}

/** A random salt from a cryptographic source (snf-image's hashpwd.py used python's `random`). */
export function randomSalt(length: number): string {
  let salt = '';
  for (let i = 0; i < length; i++) salt += CRYPT_ALPHABET[randomInt(CRYPT_ALPHABET.length)];
  return salt;
}
