import type { GuestRoot } from './guest-path.ts';

/** Where cloud-init's NoCloud datasource finds its seed in the guest. */
export const SEED_DIR = '/var/lib/cloud/seed/nocloud-net';
const PER_ONCE_DIR = '/var/lib/cloud/scripts/per-once';

/**
 * The cloud-init config file of one task, `98_snf-image-<NN><Task>.cfg`, in
 * /etc/cloud/cloud.cfg.d (or /usr/local/etc/... where only that exists, as
 * on FreeBSD).
 */
export async function cloudConfigPath(guest: GuestRoot, priority: number, taskName: string): Promise<string> {
  const file = `98_snf-image-${priority}${taskName}.cfg`;
  if (!(await guest.isDirectory('/etc/cloud/cloud.cfg.d')) && (await guest.isDirectory('/usr/local/etc/cloud/cloud.cfg.d'))) {
    return `/usr/local/etc/cloud/cloud.cfg.d/${file}`;
  }
  return `/etc/cloud/cloud.cfg.d/${file}`;
}

export async function writeCloudConfig(guest: GuestRoot, priority: number, taskName: string, yaml: string): Promise<string> {
  const path = await cloudConfigPath(guest, priority, taskName);
  await guest.makeDirectories(path.slice(0, path.lastIndexOf('/')));
  await guest.writeFile(path, yaml, { mode: 0o644 });
  return path;
}

export async function ensureSeedDir(guest: GuestRoot): Promise<void> {
  await guest.makeDirectories(SEED_DIR);
}

/** A script cloud-init runs once at first boot, e.g. to scrub secrets it no longer needs. */
export async function writePerOnceScript(guest: GuestRoot, name: string, body: string, debug: boolean): Promise<void> {
  await guest.makeDirectories(PER_ONCE_DIR);
  await guest.writeFile(`${PER_ONCE_DIR}/${name}`, `#!/bin/sh\n${body}`, { mode: debug ? 0o644 : 0o755 });
}

/** A YAML double-quoted scalar (JSON strings are valid YAML). */
export function yamlString(value: string): string {
  return JSON.stringify(value);
}
