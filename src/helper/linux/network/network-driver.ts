import type { BaseDistro } from '../distro.ts';
import type { GuestRoot } from '../guest-path.ts';

/** How a guest configures its network, so ConfigureNetwork writes what the guest reads. */
export type NetworkDriver = 'networkmanager' | 'ifupdown' | 'netplan' | 'ifcfg' | 'networkd';

/**
 * The guest's own network tool. NM_NETWORKING asks for NetworkManager
 * keyfiles; Ubuntu's netplan, a Debian with ifupdown, a RedHat with
 * network-scripts follow; a Debian without ifupdown whose NetworkManager is
 * enabled gets keyfiles, and a guest whose systemd-networkd is enabled gets
 * .network files. Undefined when the guest uses none of these.
 */
export async function chooseNetworkDriver(guest: GuestRoot, distro: BaseDistro | undefined, nmNetworking: boolean): Promise<NetworkDriver | undefined> {
  if (nmNetworking) return 'networkmanager';
  if (distro === 'debian') {
    if (await guest.isDirectory('/etc/netplan')) return 'netplan';
    if ((await guest.exists('/etc/network/interfaces')) || (await hasAny(guest, ['/sbin/ifup', '/usr/sbin/ifup']))) return 'ifupdown';
    if (await serviceEnabled(guest, 'NetworkManager.service')) return 'networkmanager';
    return (await serviceEnabled(guest, 'systemd-networkd.service')) ? 'networkd' : 'ifupdown';
  }
  if (distro === 'redhat') {
    if (await guest.isDirectory('/etc/sysconfig/network-scripts')) return 'ifcfg';
    if (await guest.isDirectory('/etc/NetworkManager/system-connections')) return 'networkmanager';
    return 'ifcfg';
  }
  return (await serviceEnabled(guest, 'systemd-networkd.service')) ? 'networkd' : undefined;
}

async function serviceEnabled(guest: GuestRoot, unit: string): Promise<boolean> {
  for (const target of ['multi-user.target.wants', 'network-online.target.wants', 'sockets.target.wants']) {
    // An enablement link may point at /lib, which on a merged-/usr guest is itself a link: its presence is enough.
    const link = `/etc/systemd/system/${target}/${unit}`;
    if ((await guest.exists(link)) || (await guest.isSymlink(link))) return true;
  }
  return false;
}

async function hasAny(guest: GuestRoot, paths: readonly string[]): Promise<boolean> {
  for (const path of paths) if (await guest.exists(path)) return true;
  return false;
}
