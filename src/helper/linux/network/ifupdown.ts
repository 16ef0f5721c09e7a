import { prefixToNetmask, type NicPlan } from './nic-plan.ts';

/** Debian's /etc/network/interfaces for the NICs (snf-image's ifupdown.sh). */
export function renderInterfaces(nics: readonly NicPlan[]): string {
  const lines = [
    '# Written by snf-image at deployment; the image\'s own file is kept as',
    '# interfaces.snf-image.orig',
    '',
    'auto lo',
    'iface lo inet loopback',
  ];
  for (const nic of nics) {
    if (!nic.ipv4 && !nic.ipv6) continue;
    // allow-hotplug, not auto: the NIC is brought up when it appears, and
    // one that is absent at boot does not fail networking.service.
    lines.push('', `allow-hotplug ${nic.name}`);
    if (nic.ipv4 === 'dhcp') lines.push(`iface ${nic.name} inet dhcp`);
    if (nic.ipv4 === 'static') {
      lines.push(`iface ${nic.name} inet static`, `    address ${nic.ip}`);
      if (nic.prefix !== undefined) lines.push(`    netmask ${prefixToNetmask(nic.prefix)}`);
      if (nic.gateway) lines.push(`    gateway ${nic.gateway}`);
    }
    if (nic.ipv6 === 'dhcp') lines.push(`iface ${nic.name} inet6 dhcp`);
    if (nic.ipv6 === 'slaac' || nic.ipv6 === 'slaac_dhcp') {
      lines.push(`iface ${nic.name} inet6 auto`, '    privext 0');
      if (nic.ipv6 === 'slaac_dhcp') lines.push('    dhcp 1');
    }
  }
  return `${lines.join('\n')}\n`;
}
