import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect } from 'node:net';
import { execa } from 'execa';

/** How the config device reaches the helper: snf-image's floppy, or a faster virtio disk. */
export type ConfigBus = 'floppy' | 'virtio';

/** How the instance disk is attached: a virtio disk (vdb), or a SCSI disk on virtio-scsi (sda). */
export type DiskBus = 'virtio-blk' | 'scsi';

export interface HelperBoot {
  readonly helperDir: string;
  /** A scratch directory the boot writes its disks and serial logs into. */
  readonly workDir: string;
  readonly configBus: ConfigBus;
  readonly diskBus: DiskBus;
  /** qemu is killed after this long. */
  readonly timeoutMs: number;
  /** HELPER_DEBUG: the debug word on the kernel command line, and ttyS3 on this Unix socket (qemu listens). */
  readonly debugSocket?: string;
}

export interface HelperBootOutcome {
  readonly exitCode: number | undefined;
  readonly timedOut: boolean;
  readonly seconds: number;
  readonly console: string;
  readonly result: string;
  readonly monitor: string;
}

/**
 * Boots the helper VM the way the host does, with one 64 MiB instance disk and
 * a config device holding rules.json, and returns what its serial ports
 * carried. The disk order is the host's: helper root vda, the instance disk
 * (vdb, or sda on SCSI), then the config disk.
 */
export async function bootHelper(boot: HelperBoot): Promise<HelperBootOutcome> {
  const file = (name: string) => join(boot.workDir, name);
  await mkdir(file('config'), { recursive: true });
  const scsi = boot.diskBus === 'scsi';
  const rules = { version: 1, env: {}, devices: [scsi ? '/dev/sda' : '/dev/vdb'], forcedProperties: {} };
  await writeFile(file('config/rules.json'), JSON.stringify(rules));
  await execa('mke2fs', ['-q', '-F', '-t', 'ext2', '-d', file('config'), file('config.img'), '1440k']);
  await execa('truncate', ['-s', '64M', file('disk.img')]);

  const rulesDev = boot.configBus === 'floppy' ? '/dev/fd0' : scsi ? '/dev/vdb' : '/dev/vdc';
  const configDrive =
    boot.configBus === 'floppy'
      ? ['-drive', `file=${file('config.img')},format=raw,if=floppy`]
      : ['-drive', `file=${file('config.img')},format=raw,if=none,id=config`, '-device', 'virtio-blk-pci,drive=config'];
  const args = [
    ...['-accel', 'tcg', '-machine', boot.configBus === 'floppy' ? 'pc' : 'q35', '-m', '512'],
    ...['-nodefaults', '-nic', 'none', '-display', 'none', '-monitor', 'none', '-no-reboot'],
    // Entropy: Node's crypto blocks until the kernel's pool is ready, which takes seconds under TCG without a source.
    ...['-device', 'virtio-rng-pci'],
    ...['-kernel', join(boot.helperDir, 'kernel'), '-initrd', join(boot.helperDir, 'initrd')],
    '-append',
    // What the host writes (src/host/helper-vm/qemu-command.ts); the result and monitor ports are the defaults.
    `console=ttyS0 root=/dev/vda ro quiet hypervisor=kvm snf_image_activate_helper rules_dev=${rulesDev}${boot.debugSocket ? ' snf_image_debug_helper' : ''}`,
    ...['-drive', `file=${join(boot.helperDir, 'image')},format=raw,if=none,id=helper,readonly=on`, '-device', 'virtio-blk-pci,drive=helper'],
    ...(scsi ? ['-device', 'virtio-scsi-pci,id=scsi'] : []),
    ...['-drive', `file=${file('disk.img')},format=raw,if=none,id=disk0`, '-device', scsi ? 'scsi-hd,drive=disk0,bus=scsi.0' : 'virtio-blk-pci,drive=disk0'],
    ...configDrive,
    ...['-serial', `file:${file('console.log')}`, '-serial', `file:${file('result.log')}`, '-serial', `file:${file('monitor.log')}`],
    // ttyS3: the debug shell with HELPER_DEBUG, else the trace channel, as the host has it.
    ...['-serial', boot.debugSocket ? `unix:${boot.debugSocket},server=on,wait=off` : `file:${file('trace.log')}`],
  ];
  const started = performance.now();
  const run = await execa('qemu-system-x86_64', args, { reject: false, timeout: boot.timeoutMs, killSignal: 'SIGKILL', stdin: 'ignore' });
  const seconds = Math.round(performance.now() - started) / 1000;
  const read = (name: string) => readFile(file(name), 'utf8').catch(() => '');
  return {
    exitCode: run.exitCode,
    timedOut: run.timedOut,
    seconds,
    console: `${await read('console.log')}${run.stderr}`,
    result: await read('result.log'),
    monitor: await read('monitor.log'),
  };
}

/**
 * Connects to a serial port qemu serves on a Unix socket (retrying until qemu
 * listens), waits for `prompt`, sends `input`, and returns everything read
 * until the other end closes or `timeoutMs` passes.
 */
export async function talkTo(socket: string, prompt: string, input: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await new Promise<string>((resolve, reject) => {
        const connection = connect(socket);
        let seen = '';
        let sent = false;
        const timer = setTimeout(() => (connection.destroy(), resolve(seen)), Math.max(0, deadline - Date.now()));
        connection.on('error', (error) => (clearTimeout(timer), reject(error)));
        connection.on('data', (chunk: Buffer) => {
          seen += chunk.toString();
          if (!sent && seen.includes(prompt)) {
            sent = true;
            connection.write(input);
          }
        });
        connection.on('close', () => (clearTimeout(timer), resolve(seen)));
      });
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
