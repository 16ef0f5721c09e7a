import { readFile } from 'node:fs/promises';
import type { Stats } from 'node:fs';

/**
 * The bytes a disk holds: a file's size (Ganeti makes file disks at their
 * full size), or a block device's from sysfs (stat says 0 for those).
 * Undefined when sysfs does not tell.
 */
export async function diskCapacity(info: Stats): Promise<number | undefined> {
  if (info.isFile()) return info.size;
  try {
    const sectors = (await readFile(`${blockDeviceSysfs(info)}/size`, 'utf8')).trim();
    return Number(sectors) * 512;
  } catch {
    return undefined;
  }
}

/** The sysfs directory of a block device (a partition's queue/ lies in its parent's). */
export function blockDeviceSysfs(info: Stats): string {
  const { major, minor } = deviceNumbers(info.rdev);
  return `/sys/dev/block/${major}:${minor}`;
}

/** The kernel's encoding of dev_t (glibc's gnu_dev_major and gnu_dev_minor). */
function deviceNumbers(rdev: number): { major: number; minor: number } {
  const high = Math.floor(rdev / 2 ** 32);
  const low = rdev >>> 0;
  return {
    major: ((low >>> 8) & 0xfff) | ((high & 0xfffff000) >>> 0),
    minor: (low & 0xff) | ((low >>> 12) & 0xfff00),
  };
}
