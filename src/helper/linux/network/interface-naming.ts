import type { GuestRoot } from '../guest-path.ts';

/**
 * How the guest names its NICs at boot. `kernel`: eth0, eth1, ... in probe
 * order, so the eth<N> snf-image writes is the NIC. `predictable`: udev names
 * them after their slot (ens3, enp0s3), so a configuration must find the NIC
 * by its MAC address.
 */
export type InterfaceNaming = { readonly scheme: 'kernel' | 'predictable'; readonly reason: string };

/** Where a guest keeps the kernel command line it boots with. */
const BOOTLOADER_CONFIGS = [
  '/etc/default/grub',
  '/boot/grub/grub.cfg',
  '/boot/grub2/grub.cfg',
  '/etc/kernel/cmdline',
  '/boot/extlinux/extlinux.conf',
  '/boot/syslinux/syslinux.cfg',
];

/** udev's naming rules, by the path of the file that switches them off when masked. */
const NAMING_RULES = ['80-net-setup-link.rules', '80-net-name-slot.rules'];
const UDEV_RULE_DIRS = ['/usr/lib/udev/rules.d', '/lib/udev/rules.d'];

/**
 * Decides the guest's naming scheme from its files (docs/network.md has the
 * table): net.ifnames=0 in its bootloader configuration, udev's naming rule
 * or default .link masked in /etc, or a udev too old to have the rule all
 * mean kernel names; anything else means predictable names.
 */
export async function detectInterfaceNaming(guest: GuestRoot): Promise<InterfaceNaming> {
  for (const path of [...BOOTLOADER_CONFIGS, ...(await grubDropIns(guest))]) {
    const text = await guest.readText(path);
    if (text !== undefined && setsKernelNames(text)) return { scheme: 'kernel', reason: `net.ifnames=0 in ${path}` };
  }
  for (const path of [...NAMING_RULES.map((rule) => `/etc/udev/rules.d/${rule}`), '/etc/systemd/network/99-default.link']) {
    if (await isMasked(guest, path)) return { scheme: 'kernel', reason: `${path} masks udev's naming` };
  }
  for (const dir of UDEV_RULE_DIRS) {
    for (const rule of NAMING_RULES) {
      if (await guest.exists(`${dir}/${rule}`)) return { scheme: 'predictable', reason: `udev names NICs (${dir}/${rule})` };
    }
  }
  return { scheme: 'kernel', reason: 'no udev naming rule: the kernel names NICs' };
}

async function grubDropIns(guest: GuestRoot): Promise<string[]> {
  const dir = '/etc/default/grub.d';
  if (!(await guest.isDirectory(dir))) return [];
  return (await guest.list(dir)).filter((name) => name.endsWith('.cfg')).map((name) => `${dir}/${name}`);
}

/** A net.ifnames=0 word on a line that is not a comment. */
function setsKernelNames(text: string): boolean {
  return text.split('\n').some((line) => !/^\s*#/.test(line) && /(^|[\s"'])net\.ifnames=0($|[\s"'])/.test(line));
}

/**
 * systemd's way to switch off a packaged file: a file of the same name in
 * /etc that is a link to /dev/null (in the guest: a link to no regular file)
 * or empty.
 */
async function isMasked(guest: GuestRoot, path: string): Promise<boolean> {
  const regular = await guest.isFile(path);
  if (!regular) return guest.isSymlink(path);
  return (await guest.readText(path))?.trim() === '';
}
