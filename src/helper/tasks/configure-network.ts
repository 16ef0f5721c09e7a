import { SEED_DIR, ensureSeedDir, writeCloudConfig } from '../linux/cloud-init.ts';
import { detectBaseDistro } from '../linux/distro.ts';
import type { GuestRoot } from '../linux/guest-path.ts';
import { mountedTask } from '../linux/mounted-task.ts';
import { renderCloudInitNetwork } from '../linux/network/cloud-init-network.ts';
import { renderIfcfg, updateSysconfigNetwork } from '../linux/network/ifcfg.ts';
import { renderInterfaces } from '../linux/network/ifupdown.ts';
import { renderNetplan } from '../linux/network/netplan.ts';
import { chooseNetworkDriver, type NetworkDriver } from '../linux/network/network-driver.ts';
import { networkdFileName, renderNetworkd } from '../linux/network/networkd.ts';
import { planNics, type NicPlan } from '../linux/network/nic-plan.ts';
import { nmKeyfileName, renderNmKeyfile } from '../linux/network/nm-keyfile.ts';
import { envFlag, guestRoot } from '../linux/task-env.ts';
import type { Task } from '../task.ts';

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
    await writeDriverFiles(guest, driver, nics);
    // The network is configured natively: cloud-init must not overwrite it.
    if (cloudInit) await writeCloudConfig(guest, PRIORITY, NAME, 'network:\n  config: disabled\n');
  },
});

async function writeDriverFiles(guest: GuestRoot, driver: NetworkDriver, nics: readonly NicPlan[]): Promise<void> {
  const configured = nics.filter((nic) => nic.ipv4 || nic.ipv6);
  switch (driver) {
    case 'ifupdown': {
      const current = await guest.readText('/etc/network/interfaces');
      if (current !== undefined) await guest.writeFile('/etc/network/interfaces.snf-image.orig', current);
      await guest.makeDirectories('/etc/network');
      return guest.writeFile('/etc/network/interfaces', renderInterfaces(nics), { mode: 0o644 });
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
