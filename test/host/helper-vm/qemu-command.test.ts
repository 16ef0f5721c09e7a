import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diskName, helperDeviceNames, UnsupportedDiskType } from '../../../src/host/helper-vm/helper-devices.ts';
import { qemuCommand, type HelperLaunchSpec } from '../../../src/host/helper-vm/qemu-command.ts';
import { parseQemuVersion, UnknownQemuVersion } from '../../../src/host/helper-vm/qemu-version.ts';

const spec: HelperLaunchSpec = {
  qemu: 'qemu-system-x86_64',
  qemuVersion: { major: 7, minor: 2 },
  machine: 'pc',
  accelerator: 'tcg',
  helperDir: '/var/lib/snf-image/helper',
  memoryMiB: 512,
  user: 'nobody',
  sandbox: true,
  debug: false,
  diskType: 'paravirtual',
  instanceDisks: ['/dev/drbd0'],
  configDevice: '/tmp/config.img',
  resultPath: '/tmp/result',
};

const common = (machine: string, accel: readonly string[], user: readonly string[]) => [
  '-nodefaults', '-no-user-config', '-machine', machine, ...accel, '-m', '512', '-display', 'none', '-monitor', 'none', '-nic', 'none', '-no-reboot',
  '-device', machine.startsWith('microvm') ? 'virtio-rng-device' : 'virtio-rng-pci',
  '-sandbox', 'on,obsolete=deny,spawn=deny,resourcecontrol=deny', ...user,
  '-kernel', '/var/lib/snf-image/helper/kernel', '-initrd', '/var/lib/snf-image/helper/initrd',
];
const serials = [
  '-chardev', 'stdio,id=console', '-device', 'isa-serial,chardev=console,index=0',
  '-chardev', 'file,id=result,path=/tmp/result', '-device', 'isa-serial,chardev=result,index=1',
  '-chardev', 'socket,id=monitor,fd=3', '-device', 'isa-serial,chardev=monitor,index=2',
  '-chardev', 'socket,id=trace,fd=4', '-device', 'isa-serial,chardev=trace,index=3',
];
const append = (rulesDev: string, ...more: string[]) =>
  ['-append', ['console=ttyS0 root=/dev/vda ro quiet panic=-1 rodata=off hypervisor=kvm snf_image_activate_helper', ...more, `rules_dev=${rulesDev}`].join(' ')];

describe('qemu command line', () => {
  it('boots pc with virtio disks, the config floppy last, under TCG as HELPER_USER with -runas', () => {
    const command = qemuCommand({ ...spec, instanceDisks: ['/dev/drbd0', '/dev/drbd1'] });
    assert.equal(command.command, 'qemu-system-x86_64');
    assert.deepEqual(command.args, [
      ...common('pc', ['-accel', 'tcg'], ['-runas', 'nobody']),
      ...append('/dev/fd0'),
      '-drive', 'file=/var/lib/snf-image/helper/image,format=raw,if=none,id=helper,readonly=on', '-device', 'virtio-blk-pci,drive=helper',
      '-drive', 'file=/dev/drbd0,format=raw,if=none,cache=none,id=disk0', '-device', 'virtio-blk-pci,drive=disk0',
      '-drive', 'file=/dev/drbd1,format=raw,if=none,cache=none,id=disk1', '-device', 'virtio-blk-pci,drive=disk1',
      '-drive', 'file=/tmp/config.img,format=raw,if=floppy',
      ...serials,
    ]);
    assert.deepEqual(command.devices, ['/dev/vdb', '/dev/vdc']);
    assert.equal(command.rulesDevice, '/dev/fd0');
  });

  it('boots q35 with SCSI disks behind virtio-scsi under KVM with the host CPU, dropping to the user with -run-with on qemu 9.1', () => {
    const command = qemuCommand({ ...spec, machine: 'q35', accelerator: 'kvm', diskType: 'scsi-block', qemuVersion: { major: 9, minor: 1 } });
    assert.deepEqual(command.args, [
      ...common('q35', ['-accel', 'kvm', '-cpu', 'host'], ['-run-with', 'user=nobody']),
      ...append('/dev/fd0'),
      '-drive', 'file=/var/lib/snf-image/helper/image,format=raw,if=none,id=helper,readonly=on', '-device', 'virtio-blk-pci,drive=helper',
      '-device', 'virtio-scsi-pci,id=scsi',
      '-drive', 'file=/dev/drbd0,format=raw,if=none,cache=none,id=disk0', '-device', 'scsi-block,drive=disk0,bus=scsi.0',
      '-drive', 'file=/tmp/config.img,format=raw,if=floppy',
      ...serials,
    ]);
    assert.deepEqual(command.devices, ['/dev/sda']);
  });

  it('keeps -runas on qemu 9.0', () => {
    const args = qemuCommand({ ...spec, qemuVersion: { major: 9, minor: 0 } }).args;
    assert.deepEqual(args.slice(args.indexOf('-runas'), args.indexOf('-runas') + 2), ['-runas', 'nobody']);
  });

  it('boots microvm on virtio-mmio with the config device as the next virtio disk', () => {
    const command = qemuCommand({ ...spec, machine: 'microvm', extraKernelArgs: ['tsc_early_khz=2600000'] });
    assert.deepEqual(command.args, [
      ...common('microvm,isa-serial=off,pit=on,pic=on', ['-accel', 'tcg'], ['-runas', 'nobody']),
      '-append', 'console=ttyS0 root=/dev/vda ro quiet panic=-1 rodata=off hypervisor=kvm snf_image_activate_helper rules_dev=/dev/vdc tsc_early_khz=2600000',
      '-drive', 'file=/var/lib/snf-image/helper/image,format=raw,if=none,id=helper,readonly=on', '-device', 'virtio-blk-device,drive=helper',
      '-drive', 'file=/dev/drbd0,format=raw,if=none,cache=none,id=disk0', '-device', 'virtio-blk-device,drive=disk0',
      '-drive', 'file=/tmp/config.img,format=raw,if=none,id=config', '-device', 'virtio-blk-device,drive=config',
      ...serials,
    ]);
    assert.deepEqual(command.devices, ['/dev/vdb']);
    assert.equal(command.rulesDevice, '/dev/vdc');
  });

  it('puts the config disk right after the helper root on microvm when the instance disks are SCSI', () => {
    const command = qemuCommand({ ...spec, machine: 'microvm', diskType: 'scsi' });
    assert.ok(command.args.includes('virtio-scsi-device,id=scsi'));
    assert.ok(command.args.includes('scsi-hd,drive=disk0,bus=scsi.0'));
    assert.equal(command.rulesDevice, '/dev/vdb');
    assert.deepEqual(command.devices, ['/dev/sda']);
  });

  it('adds the debug flag with HELPER_DEBUG, and keeps ttyS3 for the trace channel', () => {
    const args = qemuCommand({ ...spec, debug: true }).args;
    assert.ok(args.includes('console=ttyS0 root=/dev/vda ro quiet panic=-1 rodata=off hypervisor=kvm snf_image_activate_helper snf_image_debug_helper snf_image_trace=/dev/ttyS0 rules_dev=/dev/fd0'));
    assert.deepEqual(args.slice(-4), ['-chardev', 'pty,id=debug', '-device', 'isa-serial,chardev=debug,index=3']);
  });

  it('leaves the sandbox out when HELPER_SANDBOX is no or the qemu has none', () => {
    const args = qemuCommand({ ...spec, sandbox: false }).args;
    assert.equal(args.includes('-sandbox'), false);
    assert.deepEqual(args.slice(args.indexOf('-runas') - 2, args.indexOf('-runas') + 2), ['-device', 'virtio-rng-pci', '-runas', 'nobody']);
  });

  it('reaches nothing but its kernel, initrd, the helper root (read-only), the instance disks, the config device and the result file', () => {
    const args = qemuCommand({ ...spec, instanceDisks: ['/dev/drbd0', '/dev/drbd1'] }).args;
    const files = args.flatMap((arg, i) => (['-kernel', '-initrd'].includes(args[i - 1]!) ? [arg] : [...arg.matchAll(/(?:^|,)(?:file|path)=([^,]+)/g)].map((m) => m[1]!)));
    assert.deepEqual(files, ['/var/lib/snf-image/helper/kernel', '/var/lib/snf-image/helper/initrd', '/var/lib/snf-image/helper/image', '/dev/drbd0', '/dev/drbd1', '/tmp/config.img', '/tmp/result']);
    assert.ok(args.includes('file=/var/lib/snf-image/helper/image,format=raw,if=none,id=helper,readonly=on'));
    // No network, no shared host directory, no guest agent or monitor socket, no defaults or user config.
    assert.equal(args.some((arg) => /^-(netdev|net|fsdev|virtfs|qmp|mon|L|bios|readconfig|loadvm|incoming)$/.test(arg) || /9p|virtiofs|vhost-user|hostfwd|guestfwd|smb=/.test(arg)), false);
    for (const flag of ['-nodefaults', '-no-user-config']) assert.ok(args.includes(flag));
    assert.deepEqual(args.slice(args.indexOf('-nic'), args.indexOf('-nic') + 2), ['-nic', 'none']);
  });

  it('doubles commas in paths so qemu does not split them', () => {
    const args = qemuCommand({ ...spec, instanceDisks: ['/srv/a,b.img'], resultPath: '/tmp/r,1' }).args;
    assert.ok(args.includes('file=/srv/a,,b.img,format=raw,if=none,cache=none,id=disk0'));
    assert.ok(args.includes('file,id=result,path=/tmp/r,,1'));
  });

  it('rejects a disk type the helper cannot see', () => {
    assert.throws(() => qemuCommand({ ...spec, diskType: 'ide' }), (error: unknown) => {
      assert.ok(error instanceof UnsupportedDiskType);
      assert.equal(error.message, 'disk_type "ide" is not supported by the helper VM: use paravirtual, scsi, scsi-hd, scsi-block, scsi-generic');
      return true;
    });
    assert.throws(() => helperDeviceNames({ machine: 'pc', diskType: 'toString', diskCount: 1 }), UnsupportedDiskType);
  });
});

describe('helper device names', () => {
  it('count past z as Linux does, without snf-image letter-table bug', () => {
    assert.deepEqual([0, 1, 8, 25, 26, 27, 51, 52, 701, 702].map((i) => diskName('vd', i)), [
      '/dev/vda', '/dev/vdb', '/dev/vdi', '/dev/vdz', '/dev/vdaa', '/dev/vdab', '/dev/vdaz', '/dev/vdba', '/dev/vdzz', '/dev/vdaaa',
    ]);
  });

  it('name nine virtio instance disks vdb to vdj', () => {
    const { devices } = helperDeviceNames({ machine: 'pc', diskType: 'paravirtual', diskCount: 9 });
    assert.deepEqual(devices, ['/dev/vdb', '/dev/vdc', '/dev/vdd', '/dev/vde', '/dev/vdf', '/dev/vdg', '/dev/vdh', '/dev/vdi', '/dev/vdj']);
  });
});

describe('qemu version', () => {
  it('reads the version qemu prints', () => {
    assert.deepEqual(parseQemuVersion('qemu-system-x86_64', 'QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)\nCopyright'), { major: 7, minor: 2 });
  });

  it('says so when the program is not qemu', () => {
    assert.throws(() => parseQemuVersion('/bin/true', ''), UnknownQemuVersion);
  });
});
