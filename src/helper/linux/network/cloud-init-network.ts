import { yamlString } from '../cloud-init.ts';
import type { NicPlan } from './nic-plan.ts';

const IPV6_SUBNET: Readonly<Record<string, string>> = {
  dhcp: 'ipv6_dhcpv6-stateful',
  slaac: 'ipv6_slaac',
  slaac_dhcp: 'ipv6_dhcpv6-stateless',
};

/**
 * cloud-init's network config, version 1 (snf-image's cloud-init.sh, with its
 * static subnet written whole and IPv6 included).
 */
export function renderCloudInitNetwork(nics: readonly NicPlan[]): string {
  const lines = ['version: 1', 'config:'];
  for (const nic of nics) {
    if (!nic.ipv4 && !nic.ipv6) continue;
    lines.push('  - type: physical', `    name: ${nic.name}`);
    if (nic.mac) lines.push(`    mac_address: ${yamlString(nic.mac)}`);
    lines.push('    subnets:');
    if (nic.ipv4 === 'dhcp') lines.push('      - type: dhcp4');
    if (nic.ipv4 === 'static') {
      lines.push('      - type: static', `        address: ${nic.ip}/${nic.prefix ?? 32}`);
      if (nic.gateway) lines.push(`        gateway: ${nic.gateway}`);
    }
    if (nic.ipv6) lines.push(`      - type: ${IPV6_SUBNET[nic.ipv6]}`);
  }
  return `${lines.join('\n')}\n`;
}
