import { isDnsName } from '../../helper/linux/hostname-files.ts';
import { SnfImageError } from '../../errors.ts';
import type { InputFiles } from './input-files.ts';
import type { HelperDiskType } from '../../../machines/host/plan.ts';

/**
 * The instance as Ganeti describes it to an OS script in the OS API 20
 * environment (see ganeti-os-interface(7)): name, hypervisor, disks, the
 * hypervisor and back-end parameters with their lower-case names as Ganeti
 * sends them (INSTANCE_HV_disk_type), and the NIC_* variables, which go to
 * the helper unchanged.
 */
export type Environment = Readonly<Record<string, string | undefined>>;

export const OS_API_VERSION = '20';

/** The helper VM always runs under qemu; the instance's hypervisor only decides how it sees the disks. */
export const HYPERVISORS = ['kvm', 'xen-hvm', 'xen-pvm', 'fake'] as const;
export type Hypervisor = (typeof HYPERVISORS)[number];

export interface InstanceDisk {
  readonly index: number;
  /** A block device or regular file path, or a URI qemu opens itself (rbd:, gluster:, ...). */
  readonly target: string;
  readonly kind: 'block-device' | 'file' | 'uri';
  readonly sizeMiB?: number;
}

export interface GanetiInstance {
  readonly name: string;
  readonly hypervisor: Hypervisor;
  /** OS_VARIANT; undefined when empty. */
  readonly variant: string | undefined;
  /** INSTANCE_REINSTALL=1: a `gnt-instance reinstall`. */
  readonly reinstall: boolean;
  readonly disks: readonly InstanceDisk[];
  /** How the helper VM attaches the disks, from the instance's KVM disk_type. */
  readonly diskType: HelperDiskType;
  /** INSTANCE_HV_* without the prefix, names as Ganeti sends them. */
  readonly hvParams: Readonly<Record<string, string>>;
  /** INSTANCE_BE_* without the prefix. */
  readonly beParams: Readonly<Record<string, string>>;
  /** Every NIC_* variable (NIC_COUNT, NIC_0_MAC, ...), for the helper's network configuration. */
  readonly nics: Readonly<Record<string, string>>;
}

export class OsApiVersionError extends SnfImageError {
  override readonly name = 'OsApiVersionError';
  constructor(readonly given: string | undefined) {
    const what = given === undefined || given === '' ? 'OS_API_VERSION is not set' : `OS_API_VERSION ${JSON.stringify(given)} is not supported`;
    super(`${what}: snf-image implements Ganeti's OS API version ${OS_API_VERSION}; run it from Ganeti, or set OS_API_VERSION=${OS_API_VERSION} when calling it by hand`);
  }
}

export class MissingEnvironmentVariableError extends SnfImageError {
  override readonly name = 'MissingEnvironmentVariableError';
  constructor(readonly variable: string) {
    super(`${variable} is not set or empty: Ganeti sets it for every create; when calling the script by hand, set it as ganeti-os-interface(7) describes`);
  }
}

export class UnsupportedHypervisorError extends SnfImageError {
  override readonly name = 'UnsupportedHypervisorError';
  constructor(readonly hypervisor: string) {
    super(`HYPERVISOR ${JSON.stringify(hypervisor)} is not supported: snf-image deploys instances of the ${HYPERVISORS.join(', ')} hypervisors`);
  }
}

export class InvalidInstanceNameError extends SnfImageError {
  override readonly name = 'InvalidInstanceNameError';
  constructor(readonly given: string) {
    // JSON-quoted: a newline in the name must not cut the sentence short in a line-based log.
    super(`INSTANCE_NAME ${JSON.stringify(given)} is not a valid DNS name, and it becomes the guest's hostname: use letters, digits, "-" and "." (at most 253 characters)`);
  }
}

export class InvalidDiskCountError extends SnfImageError {
  override readonly name = 'InvalidDiskCountError';
  constructor(readonly given: string) {
    super(`DISK_COUNT ${JSON.stringify(given)} is not valid: the instance needs at least one disk to deploy the image onto (diskless instances cannot be deployed)`);
  }
}

export class DiskNotFoundError extends SnfImageError {
  override readonly name = 'DiskNotFoundError';
  constructor(
    readonly index: number,
    readonly path: string | undefined,
    found: string,
  ) {
    const what = path === undefined || path === '' ? `DISK_${index}_PATH is not set` : `DISK_${index}_PATH ${JSON.stringify(path)} is ${found} (a block device or a regular file is needed)`;
    super(`${what} and DISK_${index}_URI is not set either: check that the instance's disks are active (gnt-instance activate-disks)`);
  }
}

const DESCRIBE_KIND: Record<string, string> = { missing: 'missing', directory: 'a directory', other: 'a special file' };

export function checkOsApiVersion(env: Environment): void {
  if (env.OS_API_VERSION !== OS_API_VERSION) throw new OsApiVersionError(env.OS_API_VERSION);
}

/** The instance a create (or rename) is about; the OS parameters are read apart. */
export async function readGanetiInstance(env: Environment, files: InputFiles): Promise<GanetiInstance> {
  checkOsApiVersion(env);
  const name = required(env, 'INSTANCE_NAME');
  if (!isDnsName(name)) throw new InvalidInstanceNameError(name);
  const hypervisor = required(env, 'HYPERVISOR');
  const diskCount = required(env, 'DISK_COUNT');
  if (!isHypervisor(hypervisor)) throw new UnsupportedHypervisorError(hypervisor);
  if (!/^[1-9][0-9]*$/.test(diskCount)) throw new InvalidDiskCountError(diskCount);

  const disks: InstanceDisk[] = [];
  for (let index = 0; index < Number(diskCount); index++) disks.push(await readDisk(env, index, files));

  const hvParams = withPrefix(env, 'INSTANCE_HV_');
  return {
    name,
    hypervisor,
    variant: nonEmpty(env.OS_VARIANT),
    reinstall: env.INSTANCE_REINSTALL === '1',
    disks,
    diskType: hypervisor === 'kvm' ? helperDiskType(hvParams.disk_type) : 'paravirtual',
    hvParams,
    beParams: withPrefix(env, 'INSTANCE_BE_'),
    nics: Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[0].startsWith('NIC_') && e[1] !== undefined)),
  };
}

/**
 * snf-image uses DISK_n_PATH when it is a block device or a regular file
 * (Ganeti's file and sharedfile templates give a sparse file) and otherwise
 * DISK_n_URI, which is how userspace disks (rbd:, gluster:, iscsi:) reach qemu.
 */
async function readDisk(env: Environment, index: number, files: InputFiles): Promise<InstanceDisk> {
  const path = nonEmpty(env[`DISK_${index}_PATH`]);
  const uri = nonEmpty(env[`DISK_${index}_URI`]);
  const size = env[`DISK_${index}_SIZE`];
  const sizeMiB = size !== undefined && /^[0-9]+$/.test(size) ? { sizeMiB: Number(size) } : {};
  const kind = path === undefined ? 'missing' : await files.kind(path);
  if (path !== undefined && (kind === 'block-device' || kind === 'file')) return { index, target: path, kind, ...sizeMiB };
  if (uri !== undefined) return { index, target: uri, kind: 'uri', ...sizeMiB };
  throw new DiskNotFoundError(index, path, DESCRIBE_KIND[kind] ?? kind);
}

/**
 * The KVM disk_type as the helper uses it (snf-image's table). Other types
 * (ide, sd, mtd, pflash) left snf-image without a device name; the helper only
 * needs to see the disk, so they get virtio like an unset type.
 */
function helperDiskType(diskType: string | undefined): HelperDiskType {
  switch (diskType) {
    case 'scsi':
    case 'scsi-hd':
      return 'scsi-hd';
    case 'scsi-block':
    case 'scsi-generic':
      return diskType;
    default:
      return 'paravirtual';
  }
}

function required(env: Environment, name: string): string {
  const value = env[name];
  if (value === undefined || value === '') throw new MissingEnvironmentVariableError(name);
  return value;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function withPrefix(env: Environment, prefix: string): Record<string, string> {
  const found: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (key.startsWith(prefix) && value !== undefined) found[key.slice(prefix.length)] = value;
  return found;
}

function isHypervisor(value: string): value is Hypervisor {
  return (HYPERVISORS as readonly string[]).includes(value);
}
