import type { Processes } from '../../../effects/processes.ts';
import { randomBytes } from 'node:crypto';
import { encode24 } from './crypt-base64.ts';
import { systemCrypt } from './system-crypt.ts';

/** libxcrypt's default cost (N=4096, r=32), the same `j9T` passwd(1) writes on Debian. */
const DEFAULT_PARAMS = 'j9T';

/** yescrypt (`$y$`), Debian's default since 11: no JavaScript implementation matches libxcrypt's. */
export async function yescrypt(processes: Processes, password: string, salt = randomYescryptSalt()): Promise<string> {
  return systemCrypt(processes, password, `$y$${DEFAULT_PARAMS}$${salt}`);
}

/**
 * 16 random bytes in yescrypt's little-endian base 64 (22 characters). An
 * arbitrary 22-character string is refused: its last character would carry
 * bits beyond the 128.
 */
function randomYescryptSalt(): string {
  const bytes = randomBytes(16);
  let salt = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const group = bytes.subarray(i, i + 3);
    salt += encode24(group[2] ?? 0, group[1] ?? 0, group[0] ?? 0, group.length + 1);
  }
  return salt;
}
