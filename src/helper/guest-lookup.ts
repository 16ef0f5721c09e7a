import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Finds a path below `root` whatever the case of its components
 * (Windows/System32, windows/system32, ...), without following symlinks,
 * as snf-image's case-insensitive NTFS mount did.
 */
export async function findCaseInsensitive(root: string, components: readonly string[]): Promise<string | undefined> {
  let current = root;
  for (const component of components) {
    const entries = await readdir(current).catch(() => [] as string[]);
    const match = entries.find((e) => e.toLowerCase() === component.toLowerCase());
    if (match === undefined) return undefined;
    current = join(current, match);
    const stats = await lstat(current);
    if (stats.isSymbolicLink()) return undefined;
  }
  return current;
}
