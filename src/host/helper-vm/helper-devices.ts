import { SnfImageError } from '../../errors.ts';
import type { MachineType } from '../../../machines/host/plan.ts';

/** The INSTANCE_HV_disk_type values the helper can see, and the qemu device each becomes. */
const DISK_DEVICES = {
  paravirtual: 'virtio-blk',
  scsi: 'scsi-hd',
  'scsi-hd': 'scsi-hd',
  'scsi-block': 'scsi-block',
  'scsi-generic': 'scsi-generic',
} as const;
export type DiskType = keyof typeof DISK_DEVICES;
export type DiskDevice = (typeof DISK_DEVICES)[DiskType];

export class UnsupportedDiskType extends SnfImageError {
  override readonly name = 'UnsupportedDiskType';
  constructor(readonly diskType: string) {
    super(`disk_type "${diskType}" is not supported by the helper VM: use ${Object.keys(DISK_DEVICES).join(', ')}`);
  }
}

export function diskDevice(diskType: string): DiskDevice {
  if (!Object.hasOwn(DISK_DEVICES, diskType)) throw new UnsupportedDiskType(diskType);
  return DISK_DEVICES[diskType as DiskType];
}

export function hasFloppyController(machine: MachineType): boolean {
  return machine !== 'microvm';
}

/**
 * Linux's disk name for the n-th disk of a driver (0 -> vda, 25 -> vdz,
 * 26 -> vdaa, 702 -> vdaaa): letters count in bijective base 26.
 */
export function diskName(prefix: 'vd' | 'sd', index: number): string {
  let letters = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(97 + ((n - 1) % 26)) + letters;
  return `/dev/${prefix}${letters}`;
}

export interface HelperDeviceNames {
  /** The instance disks, in order (rules.json `devices`). */
  readonly devices: readonly string[];
  /** Where the helper finds the config device (`rules_dev=`). */
  readonly rulesDevice: string;
}

/**
 * The names the helper's kernel gives the disks the command line attaches,
 * in its order: the helper root first (vda), then the instance disks (virtio
 * ones go on as vdb, vdc, ...; SCSI ones as sda, sdb, ... behind one
 * virtio-scsi controller), then the config device (the first floppy, or the
 * next virtio disk on a machine without a floppy controller).
 */
export function helperDeviceNames(spec: { readonly machine: MachineType; readonly diskType: string; readonly diskCount: number }): HelperDeviceNames {
  const virtio = diskDevice(spec.diskType) === 'virtio-blk';
  const indexes = Array.from({ length: spec.diskCount }, (_, i) => i);
  const devices = virtio ? indexes.map((i) => diskName('vd', i + 1)) : indexes.map((i) => diskName('sd', i));
  const virtioDisks = 1 + (virtio ? spec.diskCount : 0);
  const rulesDevice = hasFloppyController(spec.machine) ? '/dev/fd0' : diskName('vd', virtioDisks);
  return { devices, rulesDevice };
}
