import type { Processes } from '../../../effects/processes.ts';
import { SnfImageError } from '../../../errors.ts';

/**
 * crypt(3) of the helper's own libxcrypt, through perl's crypt(), which every
 * Debian system has (perl-base): one small process, where hashing in
 * JavaScript costs a second under TCG. The password travels on stdin, never on
 * the command line. `setting` is the method's prefix, parameters and salt.
 */
export async function systemCrypt(processes: Processes, password: string, setting: string): Promise<string> {
  const script = 'local $/; my $p = <STDIN>; my $h = crypt($p, $ARGV[0]); print defined $h ? $h : ""';
  const { stdout } = await processes.run('perl', ['-e', script, setting], { input: password });
  if (!stdout.startsWith(`${setting}$`)) throw new SystemCryptRefused(setting.split('$')[1] ?? setting);
  return stdout;
}

export class SystemCryptRefused extends SnfImageError {
  override readonly name = 'SystemCryptRefused';
  constructor(readonly method: string) {
    super(`the helper's crypt() cannot compute "$${method}$" hashes: use PASSWD_HASHING_METHOD sha512`);
  }
}
