import { prefixToNetmask, type NicPlan } from './nic-plan.ts';

/** RedHat's /etc/sysconfig/network-scripts/ifcfg-<nic> (snf-image's ifcfg.sh). */
export function renderIfcfg(nic: NicPlan): string {
  const lines = [`DEVICE=${nic.name}`, 'ONBOOT=yes'];
  if (nic.mac) lines.push(`HWADDR=${nic.mac}`);
  lines.push('NM_CONTROLLED=yes');
  if (nic.ipv4 === 'static') {
    lines.push('BOOTPROTO=static', `IPADDR=${nic.ip}`);
    if (nic.prefix !== undefined) lines.push(`NETMASK=${prefixToNetmask(nic.prefix)}`);
  } else if (nic.ipv4 === 'dhcp') {
    lines.push('BOOTPROTO=dhcp');
  } else {
    lines.push('BOOTPROTO=none', 'IPV4_FAILURE_FATAL=no');
  }
  if (nic.ipv6 === 'dhcp') lines.push('IPV6INIT=yes', 'DHCPV6C=yes');
  else if (nic.ipv6 === 'slaac') lines.push('IPV6INIT=yes', 'IPV6_AUTOCONF=yes');
  else if (nic.ipv6 === 'slaac_dhcp') lines.push('IPV6INIT=yes', 'IPV6_AUTOCONF=yes', 'DHCPV6C=yes', 'DHCPV6C_OPTIONS="-S"');
  else lines.push('IPV6_FAILURE_FATAL=no');
  return `${lines.join('\n')}\n`;
}

/**
 * /etc/sysconfig/network with networking on, IPv6 on when a NIC uses it, and
 * the default gateway of the first static NIC that has one.
 */
export function updateSysconfigNetwork(current: string, nics: readonly NicPlan[]): string {
  const settings = new Map<string, string>([['NETWORKING', 'yes']]);
  if (nics.some((nic) => nic.ipv6)) settings.set('NETWORKING_IPV6', 'yes');
  const routed = nics.find((nic) => nic.ipv4 === 'static' && nic.gateway);
  if (routed?.gateway) {
    settings.set('GATEWAY', routed.gateway);
    settings.set('GATEWAYDEV', routed.name);
  }
  const marker = '# Edited by snf-image';
  const lines = current.split('\n').filter((line, i, all) => !(line === '' && i === all.length - 1));
  const out = lines[0] === marker ? lines : [marker, ...lines];
  for (const [key, value] of settings) {
    const at = out.findIndex((line) => line.startsWith(`${key}=`));
    if (at >= 0) out[at] = `${key}=${value}`;
    else out.push(`${key}=${value}`);
  }
  return `${out.join('\n')}\n`;
}
