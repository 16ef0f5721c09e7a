import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Processes } from '../../effects/processes.ts';
import { Secret } from '../../effects/secret.ts';
import { PREPARED_HOST_KEY_TYPES } from '../../protocol/rules.ts';
import { withWorkDir } from '../work-dirs.ts';

export type PreparedHostKeyType = (typeof PREPARED_HOST_KEY_TYPES)[number];

export interface HostKeyPair {
  readonly privateKey: Secret;
  readonly publicKey: string;
}

export type PreparedHostKeys = Readonly<Partial<Record<PreparedHostKeyType, HostKeyPair>>>;

/**
 * SSH host keys for the guest, made here with the node's ssh-keygen, where
 * it runs at native speed (an RSA key takes seconds under TCG). The helper
 * uses them where it would otherwise run ssh-keygen itself. A node without
 * ssh-keygen gets none, and the helper makes its own.
 */
export async function prepareHostKeys(processes: Processes, comment: string, signal: AbortSignal): Promise<PreparedHostKeys> {
  return withWorkDir('hostkeys', async (dir) => {
    const keys: Partial<Record<PreparedHostKeyType, HostKeyPair>> = {};
    for (const type of PREPARED_HOST_KEY_TYPES) {
      const file = join(dir, type);
      const made = await processes.run('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', comment, '-f', file], { signal, allowFailure: true }).catch(() => undefined);
      if (made?.exitCode !== 0) continue;
      keys[type] = { privateKey: new Secret(await readFile(file, 'utf8')), publicKey: await readFile(`${file}.pub`, 'utf8') };
    }
    return keys;
  });
}

export function hostKeyFileName(type: PreparedHostKeyType): string {
  return `ssh_host_${type}_key`;
}
