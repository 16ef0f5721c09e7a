import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import type { Processes } from '../../effects/processes.ts';
import type { GuestRoot } from './guest-path.ts';
import { sshdConfigValues } from './sshd-config.ts';

/** The host key paths sshd uses when sshd_config names none. */
export const DEFAULT_HOST_KEYS = [
  '/etc/ssh/ssh_host_key',
  '/etc/ssh/ssh_host_rsa_key',
  '/etc/ssh/ssh_host_dsa_key',
  '/etc/ssh/ssh_host_ecdsa_key',
  '/etc/ssh/ssh_host_ed25519_key',
] as const;

/** What Debian's openssh-server postinst generates when sshd_config names no HostKey. */
const DEBIAN_DEFAULT_KEYS = ['/etc/ssh/ssh_host_rsa_key', '/etc/ssh/ssh_host_ecdsa_key', '/etc/ssh/ssh_host_ed25519_key'];

export type HostKeyType = 'rsa' | 'dsa' | 'ecdsa' | 'ed25519';

/** The HostKey paths of the guest's sshd_config (and its includes), in order. */
export async function configuredHostKeys(guest: GuestRoot): Promise<string[]> {
  return (await sshdConfigValues(guest, 'HostKey')).flatMap((args) => (args[0] ? [args[0]] : []));
}

/** The keys to create again on a Debian guest: the configured ones, or Debian's defaults. */
export function keysToRegenerate(configured: readonly string[]): string[] {
  return configured.length > 0 ? [...configured] : DEBIAN_DEFAULT_KEYS;
}

/**
 * A key's type, from its public half when the image had one (`ssh-rsa`,
 * `ecdsa-sha2-*`, ...), else from its name as snf-image did.
 */
export function hostKeyType(path: string, publicKey: string | undefined): HostKeyType | undefined {
  const algorithm = publicKey?.trim().split(/\s+/)[0] ?? '';
  if (algorithm === 'ssh-rsa') return 'rsa';
  if (algorithm === 'ssh-dss') return 'dsa';
  if (algorithm.startsWith('ecdsa-')) return 'ecdsa';
  if (algorithm === 'ssh-ed25519') return 'ed25519';
  const name = posix.basename(path);
  for (const type of ['rsa', 'dsa', 'ecdsa', 'ed25519'] as const) if (name.includes(`_${type}_`) || name.endsWith(`_${type}`)) return type;
  return undefined;
}

/**
 * Creates a host key pair with the helper's own ssh-keygen (no guest binary
 * runs) in a helper temp directory, then copies it into the guest with the
 * modes sshd expects.
 */
export async function generateHostKey(processes: Processes, guest: GuestRoot, path: string, type: HostKeyType, comment: string): Promise<void> {
  const dir = await fs.mkdtemp(join(tmpdir(), 'snf-image-hostkey-'));
  try {
    const key = join(dir, 'key');
    await processes.run('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', comment, '-f', key]);
    await guest.writeFile(path, await fs.readFile(key), { mode: 0o600, uid: 0, gid: 0 });
    await guest.writeFile(`${path}.pub`, await fs.readFile(`${key}.pub`), { mode: 0o644, uid: 0, gid: 0 });
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/**
 * Puts a key pair the host prepared (on the config device, `dir`) into the
 * guest, as generateHostKey would have made it. False when the host made
 * none of that type.
 */
export async function installPreparedHostKey(guest: GuestRoot, path: string, dir: string, type: HostKeyType): Promise<boolean> {
  const key = join(dir, `ssh_host_${type}_key`);
  const privateKey = await fs.readFile(key).catch(() => undefined);
  const publicKey = await fs.readFile(`${key}.pub`).catch(() => undefined);
  if (!privateKey || !publicKey) return false;
  await guest.writeFile(path, privateKey, { mode: 0o600, uid: 0, gid: 0 });
  await guest.writeFile(`${path}.pub`, publicKey, { mode: 0o644, uid: 0, gid: 0 });
  return true;
}

/** Whether dpkg in the guest has openssh-server installed (its status database, read as text). */
export async function debianHasOpensshServer(guest: GuestRoot): Promise<boolean> {
  const status = (await guest.readText('/var/lib/dpkg/status')) ?? '';
  return status.split('\n\n').some((stanza) => /^Package: openssh-server$/m.test(stanza) && /^Status: install ok installed$/m.test(stanza));
}
