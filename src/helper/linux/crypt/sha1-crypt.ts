import { createHmac, randomInt } from 'node:crypto';
import { encodeDigest, randomSalt } from './crypt-base64.ts';

/** NetBSD's `$sha1$` (iterated HMAC-SHA1), which libxcrypt also verifies. */
const MAGIC = '$sha1$';
const ORDER: ReadonlyArray<readonly number[]> = [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10, 11], [12, 13, 14], [15, 16, 17], [18, 19, 0]];

/** NetBSD varies the iteration count around 24680 so that hashes do not share it. */
export function sha1Crypt(password: string, salt = randomSalt(8), iterations = 24680 - randomInt(4096)): string {
  let digest: Buffer = Buffer.from(`${salt}${MAGIC}${iterations}`, 'utf8');
  for (let i = 0; i < iterations; i++) digest = createHmac('sha1', Buffer.from(password, 'utf8')).update(digest).digest();
  return `${MAGIC}${iterations}$${salt}$${encodeDigest(digest, ORDER)}`;
}
