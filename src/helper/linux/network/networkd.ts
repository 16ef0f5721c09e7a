import type { NicPlan } from './nic-plan.ts';

export function networkdFileName(nic: NicPlan): string {
  return `50-snf-image-${nic.name}.network`;
}

/**
 * A systemd-networkd .network file for one NIC, matched by MAC. Router
 * advertisements drive SLAAC and start DHCPv6 as their flags ask, so the
 * three IPv6 methods differ only in whether DHCPv6 is also asked for.
 */
export function renderNetworkd(nic: NicPlan): string {
  const lines = ['# Written by snf-image at deployment', '[Match]', nic.mac ? `MACAddress=${nic.mac.toLowerCase()}` : `Name=${nic.name}`, '', '[Network]'];
  const dhcp4 = nic.ipv4 === 'dhcp';
  const dhcp6 = nic.ipv6 === 'dhcp';
  lines.push(`DHCP=${dhcp4 && dhcp6 ? 'yes' : dhcp4 ? 'ipv4' : dhcp6 ? 'ipv6' : 'no'}`);
  if (nic.ipv4 === 'static') {
    lines.push(`Address=${nic.ip}/${nic.prefix ?? 32}`);
    if (nic.gateway) lines.push(`Gateway=${nic.gateway}`);
  }
  lines.push(`IPv6AcceptRA=${nic.ipv6 ? 'yes' : 'no'}`);
  if (nic.ipv6) lines.push('IPv6PrivacyExtensions=no');
  return `${lines.join('\n')}\n`;
}
