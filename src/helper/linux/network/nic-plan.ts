import { SnfImageError } from '../../../errors.ts';
import { envText } from '../task-env.ts';
import type { TaskEnv } from '../../../../machines/helper/task-declaration.ts';

export type Ipv4Method = 'dhcp' | 'static';
/** slaac_dhcp is SLAAC for addresses plus stateless DHCPv6 for the rest (DNS). */
export type Ipv6Method = 'dhcp' | 'slaac' | 'slaac_dhcp';

/** What one NIC gets, decided from its values and the DHCP tag settings as snf-image does. */
export interface NicPlan {
  readonly index: number;
  /** snf-image names Linux interfaces eth<global index>. */
  readonly name: string;
  readonly mac: string | undefined;
  readonly ip: string | undefined;
  /** The IPv4 prefix length, from NIC_<i>_NETWORK_SUBNET. */
  readonly prefix: number | undefined;
  readonly gateway: string | undefined;
  readonly gateway6: string | undefined;
  readonly ipv4: Ipv4Method | undefined;
  readonly ipv6: Ipv6Method | undefined;
}

/** The network configuration for every NIC, with the warnings a person should see. */
export function planNics(env: TaskEnv, warn: (message: string) => void): NicPlan[] {
  const count = Number(envText(env, 'NIC_COUNT') ?? '0');
  if (!Number.isInteger(count) || count < 0) throw new SnfImageError(`NIC_COUNT "${envText(env, 'NIC_COUNT')}" is not a number`);
  const dhcpTags = tagList(env, 'DHCP_TAGS');
  const statefulTags = tagList(env, 'STATEFUL_DHCPV6_TAGS');
  const statelessTags = tagList(env, 'STATELESS_DHCPV6_TAGS');
  const plans: NicPlan[] = [];
  for (let index = 0; index < count; index++) {
    const value = (name: string) => envText(env, `NIC_${index}_${name}`) || undefined;
    const tags = (value('NETWORK_TAGS') ?? '').split(/\s+/).filter(Boolean);
    const subnet = value('NETWORK_SUBNET');
    const dhcp = subnet === undefined || tags.some((tag) => dhcpTags.has(tag));
    let dhcp6: 'stateful' | 'stateless' | undefined;
    for (const tag of tags) {
      if (statefulTags.has(tag)) dhcp6 = 'stateful';
      if (statelessTags.has(tag)) dhcp6 = 'stateless';
    }
    const ip = value('IP');
    const gateway6 = value('NETWORK_GATEWAY6');
    let ipv4: Ipv4Method | undefined = ip ? (dhcp ? 'dhcp' : 'static') : undefined;
    let ipv6: Ipv6Method | undefined = gateway6 ? (dhcp6 === 'stateful' ? 'dhcp' : dhcp6 === 'stateless' ? 'slaac_dhcp' : 'slaac') : undefined;
    if (count === 1 && !ip && !gateway6) {
      warn('Detected a default NIC (no IP, no IPv6 gateway): applying DEFAULT_NIC_CONFIG');
      ({ ipv4, ipv6 } = defaultNicConfig(envText(env, 'DEFAULT_NIC_CONFIG') ?? '', warn));
    }
    plans.push({
      index,
      name: `eth${index}`,
      mac: value('MAC'),
      ip,
      prefix: subnet ? prefixOf(subnet, index) : undefined,
      gateway: value('NETWORK_GATEWAY'),
      gateway6,
      ipv4,
      ipv6,
    });
  }
  return plans;
}

function tagList(env: TaskEnv, name: string): Set<string> {
  return new Set((envText(env, name) ?? '').split(/\s+/).filter(Boolean));
}

const IPV6_DEFAULTS: Readonly<Record<string, Ipv6Method>> = { dhcpv6: 'dhcp', slaac: 'slaac', slaac_dhcp: 'slaac_dhcp' };

/** DEFAULT_NIC_CONFIG: `dhcp`, `dhcp+<v6>`, `<v6>` (v6: dhcpv6, slaac, slaac_dhcp) or empty. */
export function defaultNicConfig(value: string, warn: (message: string) => void): { ipv4: Ipv4Method | undefined; ipv6: Ipv6Method | undefined } {
  const trimmed = value.trim();
  if (trimmed === '') {
    warn('DEFAULT_NIC_CONFIG is empty: the default NIC is left unconfigured');
    return { ipv4: undefined, ipv6: undefined };
  }
  const [first = '', second] = trimmed.split('+');
  const v6Word = first === 'dhcp' ? second : first;
  const ipv6 = v6Word === undefined ? undefined : IPV6_DEFAULTS[v6Word];
  if ((v6Word !== undefined && ipv6 === undefined) || (first !== 'dhcp' && second !== undefined)) {
    throw new SnfImageError(`DEFAULT_NIC_CONFIG "${value}" is not valid: use dhcp, dhcp+dhcpv6, dhcp+slaac, dhcp+slaac_dhcp, dhcpv6, slaac or slaac_dhcp`);
  }
  return { ipv4: first === 'dhcp' ? 'dhcp' : undefined, ipv6 };
}

function prefixOf(subnet: string, index: number): number {
  const match = /\/(\d{1,2})$/.exec(subnet);
  const prefix = Number(match?.[1]);
  if (!match || prefix > 32) throw new SnfImageError(`NIC_${index}_NETWORK_SUBNET "${subnet}" is not an IPv4 network like 192.0.2.0/24`);
  return prefix;
}

/** The dotted netmask of a prefix length (snf-image's cidr2mask). */
export function prefixToNetmask(prefix: number): string {
  const bits = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return [24, 16, 8, 0].map((shift) => (bits >>> shift) & 0xff).join('.');
}
