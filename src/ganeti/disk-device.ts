import { readFile, stat } from 'node:fs/promises';
import { SnfImageError } from '../errors.ts';

/**
 * The instance disk Ganeti hands to import and export: a block device (LVM,
 * DRBD, RBD mapped) or, with the file and sharedfile templates, a regular
 * (sparse) file. Both are read and written directly; a file needs no loop
 * device.
 */
export interface DiskDevice {
  readonly path: string;
  readonly kind: 'block-device' | 'file';
  readonly sizeBytes: number;
}

export class MissingDiskVariableError extends SnfImageError {
  override readonly name = 'MissingDiskVariableError';
  constructor(readonly variable: string) {
    super(`${variable} is not set: Ganeti sets it when it runs this script; run it through gnt-backup, or set ${variable} to the disk's path`);
  }
}

export class UnusableDiskError extends SnfImageError {
  override readonly name = 'UnusableDiskError';
  constructor(readonly variable: string, readonly path: string, what: string) {
    super(`${variable}=${path} ${what}: Ganeti should pass a block device or a regular file; check the instance's disk`);
  }
}

export async function diskFromEnv(env: Readonly<Record<string, string | undefined>>, variable: string): Promise<DiskDevice> {
  const path = env[variable];
  if (path === undefined || path === '') throw new MissingDiskVariableError(variable);
  let stats;
  try {
    stats = await stat(path, { bigint: true });
  } catch (error) {
    throw new UnusableDiskError(variable, path, `cannot be used (${(error as Error).message})`);
  }
  if (stats.isFile()) return { path, kind: 'file', sizeBytes: Number(stats.size) };
  if (stats.isBlockDevice()) return { path, kind: 'block-device', sizeBytes: await blockDeviceSize(variable, path, stats.rdev) };
  throw new UnusableDiskError(variable, path, 'is neither a block device nor a regular file');
}

/** The kernel's size of the device, in 512-byte sectors whatever the device's own sector size. */
async function blockDeviceSize(variable: string, path: string, rdev: bigint): Promise<number> {
  const major = Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));
  const minor = Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn));
  const sysfs = `/sys/dev/block/${major}:${minor}/size`;
  try {
    return Number((await readFile(sysfs, 'utf8')).trim()) * 512;
  } catch (error) {
    throw new UnusableDiskError(variable, path, `has no size the kernel reports (${sysfs}: ${(error as Error).message})`);
  }
}
