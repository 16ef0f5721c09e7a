import { SnfImageError } from '../../errors.ts';
import { readNtVersion } from './windows-facts.ts';
import type { WindowsGuest } from './windows-guest.ts';
import type { WindowsFamily } from './windows-task.ts';

/**
 * Checks OSFAMILY against the installed Windows: windows is NT 6 and later
 * (answered by unattend.xml), windows-legacy NT 5 (answered by sysprep.inf).
 */
export async function checkFamilyMatchesVersion(guest: WindowsGuest, family: WindowsFamily): Promise<void> {
  const { major, minor } = await readNtVersion(guest);
  if (family === 'windows' && major < 6) {
    throw new SnfImageError(`The image is Windows NT ${major}.${minor} (XP or Server 2003), which setup answers with sysprep.inf: use OSFAMILY 'windows-legacy'`);
  }
  if (family === 'windows-legacy' && major >= 6) {
    throw new SnfImageError(`The image is Windows NT ${major}.${minor} (Vista or later), which setup answers with unattend.xml: use OSFAMILY 'windows'`);
  }
}
