import { SnfImageError } from '../../errors.ts';
import { planNics, prefixToNetmask, type NicPlan } from '../linux/network/nic-plan.ts';
import { envText, guestRoot } from '../linux/task-env.ts';
import type { GuestRoot } from '../linux/guest-path.ts';
import type { TaskContext } from '../task.ts';
import { bsdFamily, type BsdFamily } from './bsd-task.ts';
import { removeRcValues, setRcValue } from './rc-conf.ts';

/** Each BSD's driver for the NIC models Ganeti offers (snf-image's networking/*bsd.sh). */
const DRIVERS: Readonly<Record<string, Readonly<Record<BsdFamily, string>>>> = {
  paravirtual: { freebsd: 'vtnet', openbsd: 'vio', netbsd: 'vioif' },
  rtl8139: { freebsd: 'rl', openbsd: 'rl', netbsd: 're' },
  ne2k_isa: { freebsd: 'ed', openbsd: 'ne', netbsd: 'ne' },
  ne2k_pci: { freebsd: 'ed', openbsd: 'ne', netbsd: 'ne' },
  i82551: { freebsd: 'fxp', openbsd: 'fxp', netbsd: 'fxp' },
  i82557b: { freebsd: 'fxp', openbsd: 'fxp', netbsd: 'fxp' },
  i82559er: { freebsd: 'fxp', openbsd: 'fxp', netbsd: 'fxp' },
  pcnet: { freebsd: 'pcn', openbsd: 'pcn', netbsd: 'pcn' },
  e1000: { freebsd: 'em', openbsd: 'em', netbsd: 'wm' },
};

export interface BsdNic extends NicPlan {
  /** The guest's name for the interface: the driver and its count among the NICs of that model (vtnet0, em1). */
  readonly device: string;
}

/** The NICs with the names the guest's drivers give them, counted per model from 0. */
export function bsdNics(nics: readonly NicPlan[], family: BsdFamily, frontendType: (index: number) => string | undefined, warn: (message: string) => void): BsdNic[] {
  const counts = new Map<string, number>();
  return nics.map((nic) => {
    let type = frontendType(nic.index);
    if (!type) {
      warn(`NIC ${nic.index} has no FRONTEND_TYPE: it is taken as paravirtual (virtio)`);
      type = 'paravirtual';
    }
    const driver = DRIVERS[type]?.[family];
    if (!driver) throw new SnfImageError(`NIC ${nic.index} is a ${type}, which ${family} has no known driver for: use one of ${Object.keys(DRIVERS).join(', ')}`);
    const n = counts.get(driver) ?? 0;
    counts.set(driver, n + 1);
    return { ...nic, device: `${driver}${n}` };
  });
}

/** FreeBSD: the NICs' lines of /etc/rc.conf, old ones of the same interfaces replaced. */
export function freebsdRcConf(text: string, nics: readonly BsdNic[]): string {
  let out = text;
  for (const nic of nics) {
    out = removeRcValues(out, new RegExp(`^ifconfig_${nic.device}(_.*)?$`));
    if (nic.ipv4 === 'static') {
      out = setRcValue(out, `ifconfig_${nic.device}`, `inet ${nic.ip} netmask ${prefixToNetmask(nic.prefix ?? 32)}`);
      if (nic.gateway) out = setRcValue(out, 'defaultrouter', nic.gateway);
    }
    if (nic.ipv4 === 'dhcp') out = setRcValue(out, `ifconfig_${nic.device}`, 'DHCP');
    if (nic.ipv6) out = setRcValue(out, 'ipv6_enable', 'YES');
    if (nic.ipv6 === 'dhcp') {
      out = setRcValue(out, `ifconfig_${nic.device}_ipv6`, 'inet6 -ifdisabled accept_rtadv');
      out = setRcValue(out, 'dhcp6c_enable', 'YES');
      out = setRcValue(out, 'dhcp6c_interfaces', nic.device);
    }
    if (nic.ipv6 === 'slaac' || nic.ipv6 === 'slaac_dhcp') {
      out = setRcValue(out, `ifconfig_${nic.device}_ipv6`, 'inet6 accept_rtadv');
      out = setRcValue(out, 'rtsold_enable', 'YES');
    }
  }
  return out;
}

/** OpenBSD: /etc/hostname.<if>, as hostname.if(5) reads it. */
export function openbsdHostnameIf(nic: BsdNic, warn: (message: string) => void): string {
  const lines: string[] = [];
  if (nic.ipv4 === 'static') lines.push(`inet ${nic.ip} ${prefixToNetmask(nic.prefix ?? 32)} NONE`);
  if (nic.ipv4 === 'dhcp') lines.push('dhcp');
  if (nic.ipv6 === 'slaac' || nic.ipv6 === 'slaac_dhcp') lines.push('rtsol -autoconfprivacy');
  if (nic.ipv6 === 'dhcp' || nic.ipv6 === 'slaac_dhcp') warn(`DHCPv6 is not configured on OpenBSD (${nic.device}): it has no DHCPv6 client in base`);
  if (lines.length > 0) lines.push('up');
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

/** NetBSD: /etc/ifconfig.<if>, as ifconfig.if(5) reads it. */
export function netbsdIfconfigIf(nic: BsdNic, warn: (message: string) => void): string {
  const lines = ['up'];
  if (nic.ipv4 === 'static') lines.push(`inet ${nic.ip} netmask ${prefixToNetmask(nic.prefix ?? 32)}`);
  if (nic.ipv4 === 'dhcp') lines.push(`!dhcpcd -q -w ${nic.device}`);
  if (nic.ipv6 === 'slaac' || nic.ipv6 === 'slaac_dhcp') lines.push(`!rtsol ${nic.device}`);
  if (nic.ipv6 === 'dhcp' || nic.ipv6 === 'slaac_dhcp') warn(`DHCPv6 is not configured on NetBSD (${nic.device}): it has no DHCPv6 client in base`);
  return `${lines.join('\n')}\n`;
}

/** ConfigureNetwork for the BSDs (snf-image's freebsd.sh, openbsd.sh, netbsd.sh). */
export async function configureBsdNetwork(ctx: TaskContext): Promise<void> {
  const guest = guestRoot(ctx.env);
  const family = bsdFamily(ctx);
  const warn = (message: string) => ctx.warn(message);
  const nics = bsdNics(planNics(ctx.env, warn), family, (i) => envText(ctx.env, `NIC_${i}_FRONTEND_TYPE`), warn).filter((nic) => nic.ipv4 || nic.ipv6);
  if (family === 'freebsd') {
    await guest.writeFile('/etc/rc.conf', freebsdRcConf((await guest.readText('/etc/rc.conf')) ?? '', nics));
    return;
  }
  for (const nic of nics) {
    if (family === 'openbsd') {
      const text = openbsdHostnameIf(nic, warn);
      // An empty hostname.if would leave the interface down anyway; the warning said why nothing is configured.
      if (text !== '') await guest.writeFile(`/etc/hostname.${nic.device}`, text, { mode: 0o640 });
    } else await guest.writeFile(`/etc/ifconfig.${nic.device}`, netbsdIfconfigIf(nic, warn), { mode: 0o644 });
  }
  await defaultRoutes(guest, family, nics);
}

async function defaultRoutes(guest: GuestRoot, family: 'openbsd' | 'netbsd', nics: readonly BsdNic[]): Promise<void> {
  const gateway = nics.find((nic) => nic.ipv4 === 'static' && nic.gateway)?.gateway;
  const ipv6 = nics.some((nic) => nic.ipv6);
  if (family === 'openbsd') {
    if (gateway) await guest.writeFile('/etc/mygate', `${gateway}\n`);
    if (ipv6) {
      const sysctl = (await guest.readText('/etc/sysctl.conf')) ?? '';
      const wanted = ['net.inet6.icmp6.rediraccept=1', 'net.inet6.ip6.accept_rtadv=1'].filter((line) => !sysctl.split('\n').includes(line));
      if (wanted.length > 0) await guest.appendText('/etc/sysctl.conf', `${wanted.join('\n')}\n`);
    }
    return;
  }
  let rcConf = (await guest.readText('/etc/rc.conf')) ?? '';
  if (gateway) rcConf = setRcValue(rcConf, 'defaultroute', gateway);
  if (ipv6) rcConf = setRcValue(rcConf, 'ip6mode', 'autohost');
  if (gateway || ipv6) await guest.writeFile('/etc/rc.conf', rcConf);
}
