import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

const SCRIPT = fileURLToPath(new URL('../../../scripts/fixtures/debian-matrix-guest.sh', import.meta.url));

export type Layout = 'mbr-plain' | 'mbr-boot-logical' | 'gpt-bios';
export type NetworkStack = 'ifupdown' | 'networkd' | 'networkmanager' | 'netplan' | 'cloud-init';

/** One guest of the boot-check matrix, built from Debian packages by scripts/fixtures/debian-matrix-guest.sh. */
export interface GuestRecipe {
  readonly name: string;
  readonly suite: 'bookworm' | 'trixie';
  readonly layout: Layout;
  readonly network: NetworkStack;
  readonly kernelArgs?: string;
  /** Deploy with a static IPv4 NIC instead of DHCP. */
  readonly staticIpv4?: boolean;
  /** Boot the deployed guest a second time with no NIC: it must still come up with no failed unit. */
  readonly alsoWithoutNic?: boolean;
  /** Only in the full matrix (npm run test:guest-matrix), to keep npm test within CI's time. */
  readonly fullOnly?: boolean;
}

export const GUESTS: readonly GuestRecipe[] = [
  { name: 'debian12-ifupdown', suite: 'bookworm', layout: 'mbr-plain', network: 'ifupdown' },
  { name: 'debian12-ifupdown-ifnames0', suite: 'bookworm', layout: 'gpt-bios', network: 'ifupdown', kernelArgs: 'net.ifnames=0' },
  { name: 'debian12-networkd-static', suite: 'bookworm', layout: 'mbr-boot-logical', network: 'networkd', staticIpv4: true },
  { name: 'debian12-networkmanager', suite: 'bookworm', layout: 'mbr-plain', network: 'networkmanager', fullOnly: true },
  { name: 'debian12-netplan', suite: 'bookworm', layout: 'gpt-bios', network: 'netplan', alsoWithoutNic: true },
  { name: 'debian12-cloud-init', suite: 'bookworm', layout: 'gpt-bios', network: 'cloud-init', fullOnly: true },
  { name: 'debian13-ifupdown', suite: 'trixie', layout: 'mbr-plain', network: 'ifupdown', alsoWithoutNic: true, fullOnly: true },
];

/** What the boot check compares a deployed guest with. */
export interface GuestImage {
  readonly path: string;
  readonly rootPartition: number;
  readonly machineId: string;
  readonly hostKeyFingerprint: string;
}

/** The recipe's image, built on first use and cached in /var/cache/snf-image/fixtures. Read-only by convention. */
export async function guestImage(recipe: GuestRecipe): Promise<GuestImage> {
  const args = [SCRIPT, recipe.suite, recipe.layout, recipe.network, ...(recipe.kernelArgs ? [recipe.kernelArgs] : [])];
  const { stdout } = await execa('sh', args, { stderr: 'inherit' });
  const path = stdout.trim();
  const meta = JSON.parse(await readFile(`${path}.json`, 'utf8')) as Omit<GuestImage, 'path'>;
  return { path, ...meta };
}
