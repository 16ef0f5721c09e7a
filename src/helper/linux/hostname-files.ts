import { SnfImageError } from '../../errors.ts';
import type { BaseDistro } from './distro.ts';
import type { GuestRoot } from './guest-path.ts';

/**
 * Instance names are DNS names; anything else could break the files the name
 * goes into (a newline in /etc/hosts, a quote in rc.conf).
 */
export function checkHostname(name: string): void {
  if (!isDnsName(name)) throw new SnfImageError(`hostname ${JSON.stringify(name)} is not a valid DNS name: use letters, digits, "-" and "."`);
}

/** Labels of letters, digits and inner dashes, joined by dots; the host checks INSTANCE_NAME with it too. */
export function isDnsName(name: string): boolean {
  return /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\.?$/.test(name) && name.length <= 253;
}

/**
 * Writes the hostname where the guest's distribution keeps it. A guest with
 * /etc/hostname gets it there whatever its distribution (systemd reads it).
 */
export async function writeHostnameFiles(guest: GuestRoot, distro: BaseDistro | undefined, name: string): Promise<void> {
  // A symlink counts even when dangling: the guest means to keep its name there.
  if ((await guest.exists('/etc/hostname')) || (await guest.isSymlink('/etc/hostname'))) {
    await guest.writeFile('/etc/hostname', `${name}\n`);
    if (distro === 'arch') await setArchLoopbackName(guest, name);
    return;
  }
  switch (distro) {
    case 'coreos':
      return guest.writeFile('/etc/hostname', `${name}\n`);
    case 'redhat':
      return setShellVariable(guest, '/etc/sysconfig/network', ['HOSTNAME'], name);
    case 'slackware':
    case 'suse':
      return guest.writeFile('/etc/HOSTNAME', `${name}\n`);
    case 'gentoo':
      return setShellVariable(guest, '/etc/conf.d/hostname', ['hostname', 'HOSTNAME'], name);
    case 'arch':
      if (/^HOSTNAME=/m.test((await guest.readText('/etc/rc.conf')) ?? '')) {
        await setShellVariable(guest, '/etc/rc.conf', ['HOSTNAME'], name);
      } else {
        await guest.writeFile('/etc/hostname', `${name}\n`);
      }
      return setArchLoopbackName(guest, name);
    default:
      throw new SnfImageError('Unknown linux distribution: cannot tell where it keeps its hostname');
  }
}

/** Debian-style `127.0.1.1 <name>` lines in /etc/hosts name the host; they follow the new name. */
export async function updateHostsFile(guest: GuestRoot, name: string): Promise<void> {
  const hosts = await guest.readText('/etc/hosts');
  if (hosts === undefined || !/^\s*127\.0\.1\.1\s/m.test(hosts)) return;
  await guest.writeFile('/etc/hosts', hosts.replace(/^\s*127\.0\.1\.1\s.*$/gm, `127.0.1.1\t${hostsNames(name)}`));
}

/** Old Arch guests name the host on the 127.0.0.1 line, after localhost. */
async function setArchLoopbackName(guest: GuestRoot, name: string): Promise<void> {
  const hosts = await guest.readText('/etc/hosts');
  if (hosts === undefined || !/^\s*127\.0\.0\.1\s/m.test(hosts)) return;
  const rewritten = hosts.replace(/^(\s*127\.0\.0\.1\s.*)$/m, (line) => {
    const kept = line.split(/\s+/).filter((token) => token !== '' && /^localhost(\.localdomain)?$|^127\.0\.0\.1$/.test(token));
    const [address = '127.0.0.1', ...aliases] = kept;
    return [address, ...aliases, hostsNames(name)].join('\t');
  });
  await guest.writeFile('/etc/hosts', rewritten);
}

/** An FQDN also gets its short name as an alias, so both resolve locally. */
function hostsNames(name: string): string {
  const fqdn = name.replace(/\.$/, '');
  const short = fqdn.split('.')[0] ?? fqdn;
  return short === fqdn ? fqdn : `${fqdn} ${short}`;
}

/** Sets VAR="value" in a shell-style config file, replacing the first of the names found or appending the first. */
async function setShellVariable(guest: GuestRoot, path: string, names: readonly string[], value: string): Promise<void> {
  const text = (await guest.readText(path)) ?? '';
  for (const name of names) {
    const line = new RegExp(`^${name}=.*$`, 'm');
    if (line.test(text)) return guest.writeFile(path, text.replace(line, `${name}="${value}"`));
  }
  const separator = text === '' || text.endsWith('\n') ? '' : '\n';
  await guest.writeFile(path, `${text}${separator}${names[0]}="${value}"\n`);
}
