import { execFileSync } from 'node:child_process';

/**
 * Whether a crypt(3) hash matches a password, by the system's libxcrypt
 * (through perl's crypt, which every Debian has), not by our own code. The
 * password travels on stdin.
 */
export function cryptVerifies(password: string, hash: string): boolean {
  const script = 'local $/; my $p = <STDIN>; my $h = crypt($p, $ARGV[0]); print defined $h && $h eq $ARGV[0] ? "yes" : "no"';
  return execFileSync('perl', ['-e', script, hash], { input: password, encoding: 'utf8' }) === 'yes';
}
