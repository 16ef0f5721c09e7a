import { readFile } from 'node:fs/promises';
import type { Processes } from '../effects/processes.ts';

/** Mount points at or below `dir`, deepest first (the order to unmount them in). */
export async function mountsUnder(dir: string): Promise<string[]> {
  const table = await readFile('/proc/self/mounts', 'utf8');
  const prefix = dir.replace(/\/+$/, '');
  return table
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    .map((field) => field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))))
    .filter((mountPoint) => mountPoint === prefix || mountPoint.startsWith(`${prefix}/`))
    .sort((a, b) => b.length - a.length);
}

/**
 * Unmounts whatever a chroot build left mounted below `dir` (debootstrap
 * mounts /proc and /sys in its target and leaves them when it fails), so
 * that removing the directory can never reach into the host's /proc or /sys.
 */
export async function releaseMountsUnder(dir: string, processes: Processes): Promise<void> {
  for (const mountPoint of await mountsUnder(dir)) {
    await processes.run('umount', ['--lazy', mountPoint]);
  }
}
