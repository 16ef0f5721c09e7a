import bcrypt from 'bcryptjs';
import type { Processes } from '../../../effects/processes.ts';
import { SnfImageError } from '../../../errors.ts';
import { md5Crypt } from './md5-crypt.ts';
import { sha1Crypt } from './sha1-crypt.ts';
import { randomSalt } from './crypt-base64.ts';
import { systemCrypt } from './system-crypt.ts';
import { yescrypt } from './yescrypt.ts';

/** The PASSWD_HASHING_METHOD values snf-image knows, plus yescrypt. */
export const HASHING_METHODS = ['md5', 'sha1', 'blowfish', 'sha256', 'sha512', 'yescrypt'] as const;
export type HashingMethod = (typeof HASHING_METHODS)[number];

/** bcrypt's cost as passlib, and so snf-image, used it. */
const BCRYPT_COST = 12;

export function parseHashingMethod(value: string): HashingMethod {
  const method = value.trim().toLowerCase();
  if ((HASHING_METHODS as readonly string[]).includes(method)) return method as HashingMethod;
  if (method === 'none') {
    throw new SnfImageError('PASSWD_HASHING_METHOD "none" would store the password in plain text: use img_passwd_hash to give a ready hash');
  }
  throw new SnfImageError(`PASSWD_HASHING_METHOD "${value}" is not supported: use one of ${HASHING_METHODS.join(', ')}`);
}

/** The crypt(3) string for a password, with a fresh random salt. */
export async function hashPassword(method: HashingMethod, password: string, processes: Processes): Promise<string> {
  switch (method) {
    case 'md5':
      return md5Crypt(password);
    case 'sha1':
      return sha1Crypt(password);
    case 'blowfish':
      return bcrypt.hashSync(password, BCRYPT_COST);
    // SHA-crypt's 5000 rounds are the default method's cost: libxcrypt's C, not JavaScript.
    case 'sha256':
      return systemCrypt(processes, password, `$5$${randomSalt(16)}`);
    case 'sha512':
      return systemCrypt(processes, password, `$6$${randomSalt(16)}`);
    case 'yescrypt':
      return yescrypt(processes, password);
  }
}
