import type { Processes } from '../../../effects/processes.ts';
import { SnfImageError } from '../../../errors.ts';
import { randomBytes } from 'node:crypto';
import { encode24 } from './crypt-base64.ts';

/**
 * yescrypt (`$y$`), Debian's default since 11. No pure-JavaScript
 * implementation produces hashes libxcrypt verifies, so the helper's own
 * libxcrypt computes it through perl's crypt(), which every Debian system has
 * (perl-base). The password travels on stdin, never on the command line.
 */
/** libxcrypt's default cost (N=4096, r=32), the same `j9T` passwd(1) writes on Debian. */
const DEFAULT_PARAMS = 'j9T';

export async function yescrypt(processes: Processes, password: string, salt = randomYescryptSalt()): Promise<string> {
  const setting = `$y$${DEFAULT_PARAMS}$${salt}`;
  const script = 'local $/; my $p = <STDIN>; my $h = crypt($p, $ARGV[0]); print defined $h ? $h : ""';
  const { stdout } = await processes.run('perl', ['-e', script, setting], { input: password });
  if (!stdout.startsWith(setting + '$')) {
    throw new SnfImageError('the helper\'s crypt() cannot compute yescrypt hashes: use PASSWD_HASHING_METHOD sha512');
  }
  return stdout;
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
