import { yamlString } from '../cloud-init.ts';
import type { NicPlan } from './nic-plan.ts';

/** A netplan config (Ubuntu 17.10 and later) for the NICs, each matched by MAC and named eth<i>. */
export function renderNetplan(nics: readonly NicPlan[]): string {
  const lines = ['# Written by snf-image at deployment', 'network:', '  version: 2', '  ethernets:'];
  for (const nic of nics) {
    if (!nic.ipv4 && !nic.ipv6) continue;
    lines.push(`    ${nic.name}:`);
    if (nic.mac) lines.push('      match:', `        macaddress: ${yamlString(nic.mac.toLowerCase())}`, `      set-name: ${nic.name}`);
    lines.push(`      dhcp4: ${nic.ipv4 === 'dhcp'}`);
    if (nic.ipv4 === 'static') {
      lines.push('      addresses:', `        - ${nic.ip}/${nic.prefix ?? 32}`);
      if (nic.gateway) lines.push('      routes:', '        - to: 0.0.0.0/0', `          via: ${nic.gateway}`);
    }
    lines.push(`      dhcp6: ${nic.ipv6 === 'dhcp' || nic.ipv6 === 'slaac_dhcp'}`, `      accept-ra: ${nic.ipv6 !== undefined}`);
    if (nic.ipv6) lines.push('      ipv6-privacy: false');
  }
  return `${lines.join('\n')}\n`;
}
