import { join } from 'node:path';
import { diskDevice, hasFloppyController, helperDeviceNames } from './helper-devices.ts';
import { MONITOR_CHANNEL_FD, TRACE_CHANNEL_FD } from './helper-vm.ts';
import { HELPER_CHANNELS } from '../../protocol/helper-channels.ts';
import { ACTIVATE_HELPER, DEBUG_HELPER, KERNEL_ARGS } from '../../protocol/kernel-command-line.ts';
import { SANDBOX_OPTIONS } from './qemu-sandbox.ts';
import { dropPrivilegesArgs, type QemuVersion } from './qemu-version.ts';
import type { Accelerator } from '../../../machines/host/ports.ts';
import type { MachineType } from '../../../machines/host/plan.ts';

export type { Accelerator };

/** Everything that decides the helper VM's command line. */
export interface HelperLaunchSpec {
  /** The qemu binary, e.g. qemu-system-x86_64. */
  readonly qemu: string;
  readonly qemuVersion: QemuVersion;
  readonly machine: MachineType;
  readonly accelerator: Accelerator;
  /** HELPER_DIR: holds kernel, initrd and image (the helper root). */
  readonly helperDir: string;
  /** HELPER_MEMORY, in MiB. */
  readonly memoryMiB: number;
  /** HELPER_USER: qemu drops to it once its files are open. */
  readonly user: string;
  /** HELPER_SANDBOX, where this qemu has the sandbox: qemu runs under its seccomp filter (qemu-sandbox.ts). */
  readonly sandbox: boolean;
  /** HELPER_DEBUG: when the helper program fails, a root shell waits on ttyS3, a pty the operator opens with screen or socat. */
  readonly debug: boolean;
  /** INSTANCE_HV_disk_type. */
  readonly diskType: string;
  /** The instance disks: paths or URIs qemu opens itself (rbd:, gluster:, ...). */
  readonly instanceDisks: readonly string[];
  readonly configDevice: string;
  /** The file ttyS1, the result channel, writes to. */
  readonly resultPath: string;
  /** More kernel arguments, e.g. `tsc_early_khz=` for microvm, whose TSC calibration can hang under TCG. */
  readonly extraKernelArgs?: readonly string[];
}

export interface QemuCommand {
  readonly command: string;
  readonly args: readonly string[];
  /** The instance disks as the helper sees them (rules.json `devices`). */
  readonly devices: readonly string[];
  readonly rulesDevice: string;
}

/** qemu splits option values on commas; a comma inside a value is written twice. */
export function optionValue(value: string): string {
  return value.replaceAll(',', ',,');
}

export const MACHINE_OPTIONS: Record<MachineType, string> = {
  pc: 'pc',
  q35: 'q35',
  // Our own serial ports replace microvm's single built-in one; the helper's kernel needs the legacy PIT and PIC.
  microvm: 'microvm,isa-serial=off,pit=on,pic=on',
};

/** Kernel arguments a machine type needs, for the helper and the accelerator probe alike. */
export const MACHINE_KERNEL_ARGS: Partial<Record<MachineType, readonly string[]>> = {
  // Without tsc_early_khz, TSC calibration can hang under TCG on microvm; it has no PCI bus to probe.
  // Even with pci=off the x86 kernel reports "PCI: Fatal: No config space access function found" at
  // KERN_ERR on every boot; loglevel=3 keeps that expected line out of the OS log (panics and
  // filesystem errors are CRIT or higher and still show; a task's own errors come on the monitor channel).
  microvm: ['tsc_early_khz=2600000', 'pci=off', 'loglevel=3'],
};

/**
 * Under KVM the guest gets the host's CPU: it is the fastest, and a host whose
 * KVM cannot run it (kvm-pvm, say) fails at once rather than hanging.
 */
export const ACCELERATOR_ARGS: Record<Accelerator, readonly string[]> = {
  kvm: ['-accel', 'kvm', '-cpu', 'host'],
  tcg: ['-accel', 'tcg'],
};

/**
 * The helper VM's command line. It has no network device and no defaults,
 * runs under qemu's seccomp sandbox when asked, sees its root read-only and the instance disks before the config device
 * (virtio disks are named in command-line order), and talks on four serial
 * ports (src/protocol/helper-channels.ts): the console (qemu's stdout), the
 * result file, and the monitor and trace channels (file descriptors
 * MONITOR_CHANNEL_FD and TRACE_CHANNEL_FD, sockets the host reads).
 */
export function qemuCommand(spec: HelperLaunchSpec): QemuCommand {
  const { devices, rulesDevice } = helperDeviceNames({ machine: spec.machine, diskType: spec.diskType, diskCount: spec.instanceDisks.length });
  const bus = spec.machine === 'microvm' ? 'device' : 'pci';
  const instanceDevice = diskDevice(spec.diskType);
  const scsi = instanceDevice !== 'virtio-blk';

  const instanceDisks = spec.instanceDisks.flatMap((path, i) => [
    '-drive', `file=${optionValue(path)},format=raw,if=none,cache=none,id=disk${i}`,
    '-device', scsi ? `${instanceDevice},drive=disk${i},bus=scsi.0` : `virtio-blk-${bus},drive=disk${i}`,
  ]);
  const configDisk = hasFloppyController(spec.machine)
    ? ['-drive', `file=${optionValue(spec.configDevice)},format=raw,if=floppy`]
    : ['-drive', `file=${optionValue(spec.configDevice)},format=raw,if=none,id=config`, '-device', `virtio-blk-${bus},drive=config`];
  const serial = (index: number, id: string, backend: string, ...options: string[]) => [
    '-chardev', [backend, `id=${id}`, ...options].join(','),
    '-device', `isa-serial,chardev=${id},index=${index}`,
  ];

  const kernelArgs = [
    'console=ttyS0',
    'root=/dev/vda',
    'ro',
    'quiet',
    // A panic (a corrupt helper initrd or root, say) reboots at once, which -no-reboot turns into
    // qemu's exit: by default the kernel waits forever, and create with it until HELPER_SOFT_TIMEOUT.
    'panic=-1',
    // The helper kernel (helper-image/kernel.config) has no CPU mitigations, audit, crypto
    // self-tests or IPv6 to turn off; it does write-protect its image page by page, which
    // under TCG costs boot time the throw-away VM does not need.
    'rodata=off',
    'hypervisor=kvm',
    ACTIVATE_HELPER,
    // HELPER_DEBUG: the trace's port carries the root shell instead, so the trace goes to the console log.
    ...(spec.debug ? [DEBUG_HELPER, `${KERNEL_ARGS.trace}=${HELPER_CHANNELS.console.device}`] : []),
    `${KERNEL_ARGS.rulesDevice}=${rulesDevice}`,
    ...(spec.extraKernelArgs ?? []),
  ];

  const args = [
    '-nodefaults',
    '-no-user-config',
    '-machine', MACHINE_OPTIONS[spec.machine],
    ...ACCELERATOR_ARGS[spec.accelerator],
    '-m', String(spec.memoryMiB),
    '-display', 'none',
    '-monitor', 'none',
    '-nic', 'none',
    // A helper that reboots (panic=-1 above) ends the VM at once instead of looping until the timeout.
    '-no-reboot',
    // Entropy for the helper's crypto (password salts, host keys): without it the first read can block for seconds.
    '-device', `virtio-rng-${bus}`,
    ...(spec.sandbox ? ['-sandbox', SANDBOX_OPTIONS] : []),
    ...dropPrivilegesArgs(spec.qemuVersion, spec.user),
    '-kernel', join(spec.helperDir, 'kernel'),
    '-initrd', join(spec.helperDir, 'initrd'),
    '-append', kernelArgs.join(' '),
    '-drive', `file=${optionValue(join(spec.helperDir, 'image'))},format=raw,if=none,id=helper,readonly=on`,
    '-device', `virtio-blk-${bus},drive=helper`,
    ...(scsi ? ['-device', `virtio-scsi-${bus},id=scsi`] : []),
    ...instanceDisks,
    ...configDisk,
    ...serial(HELPER_CHANNELS.console.index, 'console', 'stdio'),
    ...serial(HELPER_CHANNELS.result.index, 'result', 'file', `path=${optionValue(spec.resultPath)}`),
    ...serial(HELPER_CHANNELS.monitor.index, 'monitor', 'socket', `fd=${MONITOR_CHANNEL_FD}`),
    ...(spec.debug ? serial(HELPER_CHANNELS.trace.index, 'debug', 'pty') : serial(HELPER_CHANNELS.trace.index, 'trace', 'socket', `fd=${TRACE_CHANNEL_FD}`)),
  ];
  return { command: spec.qemu, args, devices, rulesDevice };
}
