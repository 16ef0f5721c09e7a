import type { NicPlan } from './nic-plan.ts';

export function linkFileName(nic: NicPlan): string {
  // Before 99-default.link: udev applies the first .link file that matches.
  return `10-snf-image-${nic.name}.link`;
}

/**
 * A systemd .link file that gives the NIC with this MAC address the name
 * snf-image configures (eth<N>), on a guest whose udev would otherwise name
 * it after its slot. Only for a NIC that has a MAC address.
 */
export function renderLinkFile(nic: NicPlan & { readonly mac: string }): string {
  return ['# Written by snf-image at deployment: the NIC Ganeti gave this instance', '[Match]', `MACAddress=${nic.mac.toLowerCase()}`, '', '[Link]', `Name=${nic.name}`, ''].join('\n');
}
