import { createHash } from 'node:crypto';
import { encodeDigest, randomSalt } from './crypt-base64.ts';

/** The FreeBSD MD5-crypt (`$1$`) of Poul-Henning Kamp, as glibc and libxcrypt verify it. */
const MAGIC = '$1$';
const MAX_SALT = 8;
const ORDER: ReadonlyArray<readonly number[]> = [[0, 6, 12], [1, 7, 13], [2, 8, 14], [3, 9, 15], [4, 10, 5], [11]];

export function md5Crypt(password: string, salt = randomSalt(MAX_SALT)): string {
  const key = Buffer.from(password, 'utf8');
  const saltBytes = Buffer.from(salt.slice(0, MAX_SALT), 'utf8');
  const md5 = () => createHash('md5');

  const alternate = md5().update(key).update(saltBytes).update(key).digest();
  const ctx = md5().update(key).update(MAGIC).update(saltBytes);
  for (let left = key.length; left > 0; left -= 16) ctx.update(alternate.subarray(0, Math.min(left, 16)));
  for (let n = key.length; n > 0; n >>= 1) ctx.update(n & 1 ? Buffer.of(0) : key.subarray(0, 1));
  let digest = ctx.digest();

  for (let i = 0; i < 1000; i++) {
    const round = md5();
    round.update(i & 1 ? key : digest);
    if (i % 3) round.update(saltBytes);
    if (i % 7) round.update(key);
    round.update(i & 1 ? digest : key);
    digest = round.digest();
  }
  return `${MAGIC}${saltBytes.toString('utf8')}$${encodeDigest(digest, ORDER)}`;
}
