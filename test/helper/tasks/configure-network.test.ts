import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { configureNetwork } from '../../../src/helper/tasks/configure-network.ts';
import { FAMILIES } from './support/family-trees.ts';
import { familyRoot } from './support/family-root.ts';
import { assertGolden } from './support/golden.ts';
import { copyDebianTree, removeScratch, scratchDir, writeTree, type TreeSpec } from './support/guest-trees.ts';
import { runTaskOn } from './support/run-task.ts';

const scratches: string[] = [];
afterEach(async () => Promise.all(scratches.splice(0).map(removeScratch)));

/**
 * Three NICs covering every method: a static IPv4 network with SLAAC, a
 * DHCP-tagged one with stateful DHCPv6, and one with only IPv6, stateless.
 */
const NICS = {
  DHCP_TAGS: 'nfdhcpd dhcp',
  STATEFUL_DHCPV6_TAGS: 'dhcpv6',
  STATELESS_DHCPV6_TAGS: 'nfdhcpd-v6 stateless',
  DEFAULT_NIC_CONFIG: 'dhcp',
  NIC_COUNT: '3',
  NIC_0_MAC: 'aa:00:00:10:20:30',
  NIC_0_IP: '192.0.2.10',
  NIC_0_NETWORK_SUBNET: '192.0.2.0/24',
  NIC_0_NETWORK_GATEWAY: '192.0.2.1',
  NIC_0_NETWORK_SUBNET6: '2001:db8:1::/64',
  NIC_0_NETWORK_GATEWAY6: '2001:db8:1::1',
  NIC_0_NETWORK_TAGS: '',
  NIC_1_MAC: 'aa:00:00:10:20:31',
  NIC_1_IP: '198.51.100.7',
  NIC_1_NETWORK_SUBNET: '198.51.100.0/25',
  NIC_1_NETWORK_GATEWAY6: 'fe80::1',
  NIC_1_NETWORK_TAGS: 'dhcp dhcpv6',
  NIC_2_MAC: 'aa:00:00:10:20:32',
  NIC_2_NETWORK_SUBNET6: '2001:db8:2::/64',
  NIC_2_NETWORK_GATEWAY6: '2001:db8:2::1',
  NIC_2_NETWORK_TAGS: 'stateless',
};

/** A guest with only the files that decide how it configures its network. */
async function minimalTree(label: string, spec: TreeSpec): Promise<string> {
  const scratch = await scratchDir(`network-${label}`);
  scratches.push(scratch);
  const root = join(scratch, 'root');
  await writeTree(root, spec);
  return root;
}

async function family(name: Parameters<typeof familyRoot>[0]): Promise<string> {
  const { root, scratch } = await familyRoot(name);
  scratches.push(scratch);
  return root;
}

/** The Debian 12 tree with the naming rule of udev, which a guest with a kernel has (initramfs-tools needs udev). */
async function debianWithUdev(): Promise<string> {
  const { root, scratch } = await copyDebianTree();
  scratches.push(scratch);
  await writeTree(root, { '/usr/lib/udev/rules.d/80-net-setup-link.rules': 'SUBSYSTEM=="net", IMPORT{builtin}="net_setup_link"\n' });
  return root;
}

describe('ConfigureNetwork', () => {
  it('writes /etc/network/interfaces for a Debian 12 guest with ifupdown, keeping the old file', async () => {
    const { root, scratch } = await copyDebianTree();
    scratches.push(scratch);
    const run = await runTaskOn(configureNetwork, root, NICS);
    await assertGolden('configure-network/debian-ifupdown', run.report);
  });

  it('names each NIC eth<N> by its MAC with a .link file where udev would name it predictably', async () => {
    const root = await debianWithUdev();
    const run = await runTaskOn(configureNetwork, root, NICS);
    const links = run.changes.map((change) => change.path).filter((path) => path.endsWith('.link'));
    assert.deepEqual(links, ['/etc/systemd/network/10-snf-image-eth0.link', '/etc/systemd/network/10-snf-image-eth1.link', '/etc/systemd/network/10-snf-image-eth2.link']);
    assert.match(await fs.readFile(join(root, 'etc/systemd/network/10-snf-image-eth1.link'), 'utf8'), /\[Match\]\nMACAddress=aa:00:00:10:20:31\n\n\[Link\]\nName=eth1\n/);
  });

  it('keeps the kernel\'s eth<N> names, with no .link file, on a guest booted with net.ifnames=0', async () => {
    const root = await debianWithUdev();
    await fs.mkdir(join(root, 'etc/default'), { recursive: true });
    await fs.writeFile(join(root, 'etc/default/grub'), 'GRUB_CMDLINE_LINUX="net.ifnames=0"\n');
    const run = await runTaskOn(configureNetwork, root, NICS);
    assert.deepEqual(run.changes.filter((change) => change.path.endsWith('.link')), []);
    assert.match(await fs.readFile(join(root, 'etc/network/interfaces'), 'utf8'), /allow-hotplug eth0\n/);
  });

  it('warns that a NIC without a MAC cannot be named on a guest with predictable names', async () => {
    const root = await debianWithUdev();
    const run = await runTaskOn(configureNetwork, root, { DEFAULT_NIC_CONFIG: 'dhcp', NIC_COUNT: '1' });
    assert.match(run.warnings.join('\n'), /NIC 0 has no MAC address/);
  });

  it('writes NetworkManager keyfiles for a Debian guest whose NetworkManager is enabled and has no ifupdown', async () => {
    const root = await minimalTree('debian-nm', {
      '/etc/debian_version': '12.10\n',
      '/etc/systemd/system/multi-user.target.wants/NetworkManager.service': { symlink: '/lib/systemd/system/NetworkManager.service' },
    });
    const run = await runTaskOn(configureNetwork, root, NICS);
    assert.ok(run.changes.some((change) => change.path === '/etc/NetworkManager/system-connections/Wired connection 1.nmconnection'));
  });

  it('applies DEFAULT_NIC_CONFIG to a single NIC with no address, with a warning', async () => {
    const root = await minimalTree('default-nic', { '/etc/debian_version': '12.10\n', '/etc/network/interfaces': 'auto lo\niface lo inet loopback\n' });
    const run = await runTaskOn(configureNetwork, root, { DEFAULT_NIC_CONFIG: 'dhcp+slaac_dhcp', NIC_COUNT: '1', NIC_0_MAC: 'aa:00:00:00:00:01', NIC_0_NETWORK_SUBNET: '' });
    await assertGolden('configure-network/debian-default-nic', run.report);
    assert.match(run.warnings.join('\n'), /Detected a default NIC/);
  });

  for (const name of FAMILIES) {
    it(`configures a ${name} guest in its own format, or says it cannot`, async () => {
      const root = await family(name);
      const run = await runTaskOn(configureNetwork, root, NICS);
      await assertGolden(`configure-network/${name}`, run.report + (run.warnings.length ? `-- warnings\n${run.warnings.join('\n')}\n` : ''));
    });
  }

  it('writes NetworkManager keyfiles when NM_NETWORKING is set', async () => {
    const root = await family('redhat');
    const run = await runTaskOn(configureNetwork, root, { ...NICS, PROPERTY_NM_NETWORKING: 'yes' });
    await assertGolden('configure-network/networkmanager', run.report);
  });

  it('writes netplan for an Ubuntu guest and sets its own netplan files aside', async () => {
    const root = await minimalTree('ubuntu', {
      '/etc/debian_version': 'bookworm/sid\n',
      '/etc/os-release': 'NAME="Ubuntu"\nVERSION_ID="24.04"\nID=ubuntu\nID_LIKE=debian\n',
      '/etc/netplan/50-cloud-init.yaml': 'network:\n  version: 2\n  ethernets:\n    ens3:\n      dhcp4: true\n',
    });
    const run = await runTaskOn(configureNetwork, root, NICS);
    await assertGolden('configure-network/ubuntu-netplan', run.report);
  });

  it('hands the network to cloud-init where the guest has no tool snf-image knows', async () => {
    const root = await family('suse');
    const run = await runTaskOn(configureNetwork, root, { ...NICS, PROPERTY_CLOUD_INIT: 'yes' });
    await assertGolden('configure-network/cloud-init-suse', run.report);
  });

  it('stops cloud-init from touching a network it configured natively', async () => {
    const root = await family('redhat');
    const run = await runTaskOn(configureNetwork, root, { ...NICS, PROPERTY_CLOUD_INIT: 'yes' });
    assert.equal(await fs.readFile(join(root, 'etc/cloud/cloud.cfg.d/98_snf-image-50ConfigureNetwork.cfg'), 'utf8'), 'network:\n  config: disabled\n');
    assert.ok(run.changes.some((change) => change.path === '/etc/sysconfig/network-scripts/ifcfg-eth0'));
  });

  it('rejects a DEFAULT_NIC_CONFIG it does not know', async () => {
    const root = await family('redhat');
    await assert.rejects(runTaskOn(configureNetwork, root, { DEFAULT_NIC_CONFIG: 'static', NIC_COUNT: '1' }), /DEFAULT_NIC_CONFIG "static" is not valid/);
  });
});
