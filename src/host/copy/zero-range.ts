import { execFile } from 'node:child_process';
import type { Stats } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { AbortedError } from '../../effects/effect.ts';
import { blockDeviceSysfs } from './disk-capacity.ts';

const run = promisify(execFile);

/** Ranges are zeroed in whole 4 KiB blocks, which every disk's sector size divides. */
export const ZERO_BLOCK = 4096;

/**
 * Makes a range of a disk read as zeros without writing the zeros: a file
 * disk with fallocate --zero-range (its blocks stay allocated, so a
 * preallocated Ganeti disk stays preallocated), a block device with
 * BLKZEROOUT (blkdiscard --zeroout) when the device does it without moving
 * the bytes (sysfs write_zeroes_max_bytes; loop devices, thin volumes, most
 * SSDs). A discard alone does not promise zeros on current kernels, so it is
 * never relied on. Resolves false where no such shortcut exists: the caller
 * then writes every zero itself, since a guest must never read what an
 * earlier instance left on the disk.
 */
export type ZeroRange = (start: number, end: number, signal: AbortSignal) => Promise<boolean>;

export async function zeroRangeFor(disk: string, info: Stats): Promise<ZeroRange> {
  if (info.isFile()) return commandZeroRange(disk, (start, length) => ['fallocate', ['--zero-range', '--offset', start, '--length', length, disk]]);
  if (info.isBlockDevice() && (await writeZeroesOffloaded(info))) {
    return commandZeroRange(disk, (start, length) => ['blkdiscard', ['--zeroout', '--offset', start, '--length', length, disk]]);
  }
  return async () => false;
}

function commandZeroRange(disk: string, command: (start: string, length: string) => [string, string[]]): ZeroRange {
  // Once refused (tmpfs, NFS, a device that changed its mind), the copy writes its zeros for the rest of the disk.
  let refused = false;
  return async (start, end, signal) => {
    if (refused) return false;
    const [file, args] = command(String(start), String(end - start));
    try {
      await run(file, args, { signal });
      return true;
    } catch (error) {
      if (signal.aborted) throw new AbortedError('copyImage');
      refused = true;
      return false;
    }
  };
}

async function writeZeroesOffloaded(info: Stats): Promise<boolean> {
  const sysfs = blockDeviceSysfs(info);
  for (const queue of [`${sysfs}/queue`, `${sysfs}/../queue`]) {
    try {
      return Number((await readFile(`${queue}/write_zeroes_max_bytes`, 'utf8')).trim()) > 0;
    } catch {
      // a partition: its queue is its parent's
    }
  }
  return false;
}
