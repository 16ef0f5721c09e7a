import { writeCloudConfig } from '../linux/cloud-init.ts';
import { detectBaseDistro } from '../linux/distro.ts';
import type { GuestRoot } from '../linux/guest-path.ts';
import {
  DEFAULT_HOST_KEYS,
  configuredHostKeys,
  debianHasOpensshServer,
  generateHostKey,
  hostKeyType,
  installPreparedHostKey,
  keysToRegenerate,
  type HostKeyType,
} from '../linux/host-keys.ts';
import { mountedTask } from '../linux/mounted-task.ts';
import { hasSshdConfig } from '../linux/sshd-config.ts';
import { envFlag, envText, guestRoot } from '../linux/task-env.ts';
import type { Task, TaskContext } from '../task.ts';
import { UNIX_FAMILIES } from '../../../machines/helper/task-declaration.ts';

const NAME = 'DeleteSSHKeys';
const PRIORITY = 50;

/**
 * Removes the image's SSH host keys, so no two instances share them (snf-image's
 * 50DeleteSSHKeys). Debian guests get new ones at once, made with the helper's
 * ssh-keygen; other distributions create missing keys at boot.
 */
export const deleteSshKeys: Task = mountedTask({
  name: NAME,
  priority: PRIORITY,
  families: UNIX_FAMILIES,
  askedFor: { families: UNIX_FAMILIES },
  uses: ['HOSTNAME'],
  async run(ctx) {
    const guest = guestRoot(ctx.env);
    if (envFlag(ctx, 'PROPERTY_CLOUD_INIT')) {
      await writeCloudConfig(guest, PRIORITY, NAME, 'ssh_deletekeys: true\n');
      return;
    }
    const configured = (await hasSshdConfig(guest)) ? await configuredHostKeys(guest) : [];
    const publicKeys = await readPublicKeys(guest, [...configured, ...DEFAULT_HOST_KEYS]);
    for (const name of await guest.list('/etc/ssh')) {
      if (name.startsWith('ssh_host_')) await guest.remove(`/etc/ssh/${name}`);
    }
    if (!(await hasSshdConfig(guest))) {
      ctx.warn('No /etc/ssh/sshd_config in the image: only the default host keys were removed');
      return;
    }
    const custom = configured.filter((path) => !(DEFAULT_HOST_KEYS as readonly string[]).includes(path));
    for (const path of custom) {
      await guest.remove(path);
      await guest.remove(`${path}.pub`);
    }
    if ((await detectBaseDistro(guest)) === 'debian' && (await debianHasOpensshServer(guest))) {
      await regenerate(ctx, guest, keysToRegenerate(configured), publicKeys);
    }
  },
});

async function readPublicKeys(guest: GuestRoot, paths: readonly string[]): Promise<Map<string, string | undefined>> {
  const keys = new Map<string, string | undefined>();
  for (const path of paths) keys.set(path, await guest.readText(`${path}.pub`).catch(() => undefined));
  return keys;
}

/**
 * Debian's sshd will not start without its keys and nothing recreates them at
 * boot; snf-image ran dpkg-reconfigure in the guest for this. Keys the host
 * prepared (HOST_KEYS, one of each type) are used first; the others are made
 * here with ssh-keygen.
 */
async function regenerate(ctx: TaskContext, guest: GuestRoot, paths: readonly string[], publicKeys: Map<string, string | undefined>): Promise<void> {
  const comment = `root@${envText(ctx.env, 'HOSTNAME') || 'localhost'}`;
  const prepared = envText(ctx.env, 'HOST_KEYS');
  const used = new Set<HostKeyType>();
  for (const path of paths) {
    const type = hostKeyType(path, publicKeys.get(path));
    if (!type) {
      ctx.warn(`Cannot tell the type of host key ${path}: it is not created again`);
      continue;
    }
    if (prepared && !used.has(type) && (await installPreparedHostKey(guest, path, prepared, type))) {
      used.add(type);
      continue;
    }
    await generateHostKey(ctx.processes, guest, path, type, comment);
  }
}
