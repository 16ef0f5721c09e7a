import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { planNics, prefixToNetmask } from '../../../src/helper/linux/network/nic-plan.ts';

function plan(values: Record<string, string>) {
  const warnings: string[] = [];
  return { nics: planNics(new Map(Object.entries(values)), (m) => warnings.push(m)), warnings };
}

describe('NIC planning', () => {
  it('uses DHCP for a NIC tagged with a DHCP tag, or one without a subnet, and static otherwise', () => {
    const { nics } = plan({
      DHCP_TAGS: 'dhcp',
      NIC_COUNT: '3',
      NIC_0_IP: '10.0.0.2',
      NIC_0_NETWORK_SUBNET: '10.0.0.0/24',
      NIC_0_NETWORK_TAGS: 'dhcp',
      NIC_1_IP: '10.0.1.2',
      NIC_1_NETWORK_SUBNET: '10.0.1.0/24',
      NIC_2_IP: '10.0.2.2',
    });
    assert.deepEqual(nics.map((n) => n.ipv4), ['dhcp', 'static', 'dhcp']);
  });

  it('configures IPv6 only with an IPv6 gateway; the last matching DHCPv6 tag wins', () => {
    const { nics } = plan({
      STATEFUL_DHCPV6_TAGS: 'full',
      STATELESS_DHCPV6_TAGS: 'light',
      NIC_COUNT: '4',
      NIC_0_NETWORK_GATEWAY6: 'fe80::1',
      NIC_0_NETWORK_TAGS: 'light full',
      NIC_1_NETWORK_GATEWAY6: 'fe80::1',
      NIC_1_NETWORK_TAGS: 'full light',
      NIC_2_NETWORK_GATEWAY6: 'fe80::1',
      NIC_3_NETWORK_SUBNET6: '2001:db8::/64',
    });
    assert.deepEqual(nics.map((n) => n.ipv6), ['dhcp', 'slaac_dhcp', 'slaac', undefined]);
  });

  it('applies DEFAULT_NIC_CONFIG only to a lone NIC with neither address nor IPv6 gateway', () => {
    assert.deepEqual(plan({ DEFAULT_NIC_CONFIG: 'dhcp+dhcpv6', NIC_COUNT: '1' }).nics.map((n) => [n.ipv4, n.ipv6]), [['dhcp', 'dhcp']]);
    assert.deepEqual(plan({ DEFAULT_NIC_CONFIG: 'slaac', NIC_COUNT: '1' }).nics.map((n) => [n.ipv4, n.ipv6]), [[undefined, 'slaac']]);
    assert.deepEqual(plan({ DEFAULT_NIC_CONFIG: 'dhcp', NIC_COUNT: '2' }).nics.map((n) => [n.ipv4, n.ipv6]), [[undefined, undefined], [undefined, undefined]]);
    const empty = plan({ DEFAULT_NIC_CONFIG: '', NIC_COUNT: '1' });
    assert.match(empty.warnings.join('\n'), /left unconfigured/);
  });

  it('names interfaces eth<index> and turns prefixes into netmasks', () => {
    assert.deepEqual(plan({ NIC_COUNT: '2' }).nics.map((n) => n.name), ['eth0', 'eth1']);
    assert.deepEqual([0, 8, 23, 25, 32].map(prefixToNetmask), ['0.0.0.0', '255.0.0.0', '255.255.254.0', '255.255.255.128', '255.255.255.255']);
  });

  it('names a subnet that is not an IPv4 network', () => {
    assert.throws(() => plan({ NIC_COUNT: '1', NIC_0_IP: '10.0.0.1', NIC_0_NETWORK_SUBNET: '10.0.0.0' }), /NIC_0_NETWORK_SUBNET "10.0.0.0"/);
  });
});
