import type { GuestRoot } from './guest-path.ts';

/** The base distributions snf-image tells apart (its get_base_distro). */
export type BaseDistro =
  | 'coreos'
  | 'debian'
  | 'redhat'
  | 'slackware'
  | 'suse'
  | 'gentoo'
  | 'arch'
  | 'freebsd'
  | 'netbsd'
  | 'openbsd';

/**
 * Detects the base distribution from the guest's own files, in snf-image's
 * order (Ubuntu counts as debian; Fedora, CentOS and Oracle Linux as redhat).
 * Undefined when nothing matches.
 */
export async function detectBaseDistro(guest: GuestRoot): Promise<BaseDistro | undefined> {
  if (await guest.isDirectory('/etc/coreos')) return 'coreos';
  const markers: ReadonlyArray<readonly [string, BaseDistro]> = [
    ['/etc/debian_version', 'debian'],
    ['/etc/redhat-release', 'redhat'],
    ['/etc/slackware-version', 'slackware'],
    ['/etc/SuSE-release', 'suse'],
    ['/etc/gentoo-release', 'gentoo'],
    ['/etc/arch-release', 'arch'],
    ['/etc/freebsd-update.conf', 'freebsd'],
  ];
  for (const [file, distro] of markers) {
    if (await guest.exists(file)) return distro;
  }
  if (/netbsd/i.test((await guest.readText('/etc/release')) ?? '')) return 'netbsd';
  if (/^openbsd/i.test((await guest.readText('/etc/motd')) ?? '')) return 'openbsd';
  return osReleaseDistro(guest);
}

/**
 * openSUSE 15 and later ship no /etc/SuSE-release; their os-release still
 * says what they are, so a SUSE guest is not reported as unknown.
 */
async function osReleaseDistro(guest: GuestRoot): Promise<BaseDistro | undefined> {
  const osRelease = (await guest.readText('/etc/os-release')) ?? (await guest.readText('/usr/lib/os-release'));
  if (!osRelease) return undefined;
  const ids = [...osRelease.matchAll(/^(?:ID|ID_LIKE)=["']?([^"'\n]*)["']?$/gm)].flatMap((m) => (m[1] ?? '').split(/\s+/));
  if (ids.some((id) => id === 'suse' || id.startsWith('opensuse') || id === 'sles')) return 'suse';
  return undefined;
}
