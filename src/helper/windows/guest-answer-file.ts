import { SnfImageError } from '../../errors.ts';
import { UnattendXml } from './unattend-xml.ts';
import type { WindowsGuest } from './windows-guest.ts';

/** Answer files Windows setup finds at the root of the system drive, in the order snf-image looked for them. */
const ROOT_ANSWER_FILES = ['unattend.xml', 'autounattend.xml'] as const;

/** The answer file at the root of the Windows volume (its path as stored), if any. */
export async function findRootAnswerFile(guest: WindowsGuest): Promise<string | undefined> {
  for (const name of ROOT_ANSWER_FILES) {
    if (await guest.isFile(name)) return guest.find(name);
  }
  return undefined;
}

/** The answer file InstallUnattend left for setup, parsed; the later tasks edit it. */
export async function readInstalledAnswerFile(guest: WindowsGuest): Promise<{ path: string; xml: UnattendXml }> {
  const path = await findRootAnswerFile(guest);
  const text = path === undefined ? undefined : await guest.readText(path);
  if (path === undefined || text === undefined) {
    throw new SnfImageError('The image has no unattend.xml at the root of its Windows volume: InstallUnattend installs one; it did not run (excluded, overridden or under cloud-init)');
  }
  return { path, xml: UnattendXml.parse(text, `the image's ${path.slice(1)}`) };
}
