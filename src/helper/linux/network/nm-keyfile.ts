import { createHash } from 'node:crypto';
import type { NicPlan } from './nic-plan.ts';

/** The keyfile's name under /etc/NetworkManager/system-connections. */
export function nmKeyfileName(nic: NicPlan): string {
  return `Wired connection ${nic.index + 1}.nmconnection`;
}

/** A NetworkManager keyfile for one NIC (snf-image's nm.sh), matched by MAC address. */
export function renderNmKeyfile(nic: NicPlan): string {
  const lines = ['[connection]', `id=Wired connection ${nic.index + 1}`, `uuid=${connectionUuid(nic)}`, 'type=ethernet', 'autoconnect=true', ''];
  lines.push('[ethernet]');
  if (nic.mac) lines.push(`mac-address=${nic.mac.toUpperCase()}`);
  lines.push('', '[ipv4]');
  if (nic.ipv4 === 'static') {
    const gateway = nic.gateway ? `,${nic.gateway}` : '';
    lines.push('method=manual', `address1=${nic.ip}/${nic.prefix ?? 32}${gateway}`);
  } else {
    lines.push(`method=${nic.ipv4 === 'dhcp' ? 'auto' : 'disabled'}`);
  }
  lines.push('', '[ipv6]', 'addr-gen-mode=eui64', 'ip6-privacy=0', `method=${nic.ipv6 ? 'auto' : 'disabled'}`);
  return `${lines.join('\n')}\n`;
}

/** A name-based UUID (version 5 layout), so one NIC always gets the same connection UUID. */
function connectionUuid(nic: NicPlan): string {
  const bytes = createHash('sha1').update(`snf-image:${nic.index}:${nic.mac ?? ''}`).digest().subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
