import { SEED_DIR, ensureSeedDir, writeCloudConfig } from '../linux/cloud-init.ts';
import { detectBaseDistro } from '../linux/distro.ts';
import type { GuestRoot } from '../linux/guest-path.ts';
import { mountedTask } from '../linux/mounted-task.ts';
import { renderCloudInitNetwork } from '../linux/network/cloud-init-network.ts';
import { renderIfcfg, updateSysconfigNetwork } from '../linux/network/ifcfg.ts';
import { renderInterfaces } from '../linux/network/ifupdown.ts';
import { renderNetplan } from '../linux/network/netplan.ts';
import { detectInterfaceNaming } from '../linux/network/interface-naming.ts';
import { linkFileName, renderLinkFile } from '../linux/network/link-file.ts';
import { chooseNetworkDriver, type NetworkDriver } from '../linux/network/network-driver.ts';
import { networkdFileName, renderNetworkd } from '../linux/network/networkd.ts';
import { planNics, type NicPlan } from '../linux/network/nic-plan.ts';
import { nmKeyfileName, renderNmKeyfile } from '../linux/network/nm-keyfile.ts';
import { envFlag, guestRoot } from '../linux/task-env.ts';
import type { Task } from '../task.ts';
import { UNIX_FAMILIES } from '../../../machines/helper/task-declaration.ts';

const NAME = 'ConfigureNetwork';
const PRIORITY = 50;

/**
 * Configures the guest's NICs from the instance's NIC values and the DHCP tag
 * settings, in the format of the guest's own network tool (snf-image's
 * 50ConfigureNetwork and its networking drivers).
 */
export const configureNetwork: Task = mountedTask({
  name: NAME,
  priority: PRIORITY,
  // Ganeti gives every NIC a MAC, so NIC_0_MAC is set exactly when the instance has a NIC (NIC_COUNT may be 0).
  families: ['linux'],
  askedFor: { families: UNIX_FAMILIES, whenSet: ['NIC_0_MAC'] },
  uses: ['NIC_COUNT'],
  async run(ctx) {
    const guest = guestRoot(ctx.env);
    const nics = planNics(ctx.env, (message) => ctx.warn(message));
    const cloudInit = envFlag(ctx, 'PROPERTY_CLOUD_INIT');
    const distro = await detectBaseDistro(guest);
    const driver = await chooseNetworkDriver(guest, distro, envFlag(ctx, 'PROPERTY_NM_NETWORKING'));
    if (!driver) {
      if (!cloudInit) {
        ctx.warn(`No network configuration method for this ${distro ?? 'unknown'} guest: its network is left as the image has it`);
        return;
      }
      ctx.warn(`No network configuration method for this ${distro ?? 'unknown'} guest: letting cloud-init do that`);
      await ensureSeedDir(guest);
      await guest.writeFile(`${SEED_DIR}/network-config`, renderCloudInitNetwork(nics), { mode: 0o600 });
      return;
    }
    await writeDriverFiles(guest, driver, nics, (message) => ctx.warn(message));
    // The network is configured natively: cloud-init must not overwrite it.
    if (cloudInit) await writeCloudConfig(guest, PRIORITY, NAME, 'network:\n  config: disabled\n');
  },
});

async function writeDriverFiles(guest: GuestRoot, driver: NetworkDriver, nics: readonly NicPlan[], warn: (message: string) => void): Promise<void> {
  const configured = nics.filter((nic) => nic.ipv4 || nic.ipv6);
  switch (driver) {
    case 'ifupdown': {
      const current = await guest.readText('/etc/network/interfaces');
      if (current !== undefined) await guest.writeFile('/etc/network/interfaces.snf-image.orig', current);
      await guest.makeDirectories('/etc/network');
      await guest.writeFile('/etc/network/interfaces', renderInterfaces(nics), { mode: 0o644 });
      return nameNicsByMac(guest, configured, warn);
    }
    case 'netplan':
      await setAsideNetplanConfigs(guest);
      return guest.writeFile('/etc/netplan/50-snf-image.yaml', renderNetplan(nics), { mode: 0o600, uid: 0, gid: 0 });
    case 'ifcfg': {
      const network = (await guest.readText('/etc/sysconfig/network')) ?? '';
      await guest.makeDirectories('/etc/sysconfig/network-scripts');
      await guest.writeFile('/etc/sysconfig/network', updateSysconfigNetwork(network, configured));
      for (const nic of configured) await guest.writeFile(`/etc/sysconfig/network-scripts/ifcfg-${nic.name}`, renderIfcfg(nic), { mode: 0o644 });
      return;
    }
    case 'networkmanager': {
      const dir = '/etc/NetworkManager/system-connections';
      await guest.makeDirectories(dir);
      for (const nic of configured) await guest.writeFile(`${dir}/${nmKeyfileName(nic)}`, renderNmKeyfile(nic), { mode: 0o600, uid: 0, gid: 0 });
      return;
    }
    case 'networkd': {
      const dir = '/etc/systemd/network';
      await guest.makeDirectories(dir);
      for (const nic of configured) await guest.writeFile(`${dir}/${networkdFileName(nic)}`, renderNetworkd(nic), { mode: 0o644 });
      return;
    }
  }
}

/**
 * /etc/network/interfaces names interfaces, and ifupdown cannot match a MAC
 * address: where udev gives NICs predictable names (ens3), a .link file per
 * NIC names it eth<N> after its MAC. The other stacks match the MAC in their
 * own files (networkd [Match], netplan match/set-name, NetworkManager
 * mac-address, ifcfg HWADDR).
 */
async function nameNicsByMac(guest: GuestRoot, nics: readonly NicPlan[], warn: (message: string) => void): Promise<void> {
  const naming = await detectInterfaceNaming(guest);
  if (naming.scheme === 'kernel') return;
  const dir = '/etc/systemd/network';
  for (const nic of nics) {
    if (!nic.mac) {
      warn(`NIC ${nic.index} has no MAC address: ${nic.name} is configured, but this guest names NICs predictably (${naming.reason}), so no NIC may have that name`);
      continue;
    }
    await guest.makeDirectories(dir);
    await guest.writeFile(`${dir}/${linkFileName(nic)}`, renderLinkFile({ ...nic, mac: nic.mac }), { mode: 0o644 });
  }
}

/** The image's own netplan files would configure the same NICs again (netplan merges them all). */
async function setAsideNetplanConfigs(guest: GuestRoot): Promise<void> {
  for (const name of await guest.list('/etc/netplan')) {
    if (!/\.ya?ml$/.test(name)) continue;
    const path = `/etc/netplan/${name}`;
    const text = await guest.readText(path);
    if (text === undefined) continue;
    await guest.writeFile(`${path}.snf-image.orig`, text, { mode: 0o600 });
    await guest.remove(path);
  }
}
