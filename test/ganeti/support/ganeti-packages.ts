import { access, rm, writeFile } from 'node:fs/promises';
import { execa } from 'execa';

/**
 * Installs Debian's Ganeti 3.0.2 (and with it sshd, socat, fping, arping)
 * when it is missing, so the test runs on a fresh machine. The packages'
 * daemons must not start on the host: unless the machine already has a
 * policy-rc.d, one that forbids starting services is in place for the
 * install only.
 */
const PACKAGES = ['ganeti', 'openssh-server', 'socat', 'fping', 'iputils-arping'];
const POLICY_RC_D = '/usr/sbin/policy-rc.d';

export async function ensureGanetiInstalled(): Promise<void> {
  if (await exists('/usr/sbin/gnt-cluster')) return;
  const addedPolicy = !(await exists(POLICY_RC_D));
  if (addedPolicy) await writeFile(POLICY_RC_D, '#!/bin/sh\n# Written for the duration of a package install by the Ganeti test.\nexit 101\n', { mode: 0o755 });
  try {
    const env = { DEBIAN_FRONTEND: 'noninteractive' };
    const lock = ['-o', 'DPkg::Lock::Timeout=600'];
    await execa('apt-get', ['update', '-qq', ...lock], { env });
    await execa('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...lock, ...PACKAGES], { env });
  } finally {
    if (addedPolicy) await rm(POLICY_RC_D, { force: true });
  }
}

export async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
