import { spawn } from 'node:child_process';
import { access, constants, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ACCELERATOR_ARGS, optionValue, type Accelerator } from './qemu-command.ts';
import { childEnvironment } from '../../effects/child-environment.ts';

/** HELPER_ACCEL: `auto` uses KVM when the probe boots under it, TCG otherwise. */
export type AcceleratorSetting = 'auto' | Accelerator;

const DEBUG_EXIT_PORT = 0xf4;
/** isa-debug-exit makes qemu exit with (value << 1) | 1. */
const PROBE_EXIT_VALUE = 0x21;
const PROBE_EXIT_CODE = (PROBE_EXIT_VALUE << 1) | 1;

/**
 * A boot sector that writes PROBE_EXIT_VALUE to the debug-exit port: the
 * machine got through the BIOS and ran guest code, so qemu exits with
 * PROBE_EXIT_CODE.
 */
function probeBootSector(): Buffer {
  const code = [
    0xb0, PROBE_EXIT_VALUE, // mov al, PROBE_EXIT_VALUE
    0xe6, DEBUG_EXIT_PORT, // out DEBUG_EXIT_PORT, al
    0xf4, // hlt
    0xeb, 0xfd, // jmp back to hlt
  ];
  const sector = Buffer.alloc(512);
  Buffer.from(code).copy(sector);
  sector.writeUInt16LE(0xaa55, 510);
  return sector;
}

/**
 * Boots the probe under an accelerator, with the options the helper gets
 * (the host CPU under KVM), and says whether it ran within the time limit.
 * Opening /dev/kvm is not enough: some KVMs (kvm-pvm) open fine, then abort
 * or hang on a real guest.
 */
export async function bootsUnder(qemu: string, accelerator: Accelerator, timeoutMs: number): Promise<boolean> {
  const dir = await mkdtemp(join(tmpdir(), 'snf-image-kvm-probe-'));
  try {
    const disk = join(dir, 'boot.img');
    await writeFile(disk, probeBootSector());
    const args = [
      '-nodefaults', '-no-user-config', '-machine', 'pc', ...ACCELERATOR_ARGS[accelerator], '-m', '16',
      '-display', 'none', '-monitor', 'none', '-no-reboot',
      '-drive', `file=${optionValue(disk)},format=raw,if=ide`,
      '-device', `isa-debug-exit,iobase=${DEBUG_EXIT_PORT},iosize=1`,
    ];
    return await new Promise<boolean>((resolve) => {
      const child = spawn(qemu, args, { detached: true, stdio: 'ignore', env: childEnvironment() });
      const timer = setTimeout(() => child.pid !== undefined && process.kill(-child.pid, 'SIGKILL'), timeoutMs);
      child.once('error', () => {
        clearTimeout(timer);
        resolve(false);
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolve(code === PROBE_EXIT_CODE);
      });
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface KvmProbeOptions {
  readonly qemu: string;
  readonly kvmDevice?: string;
  readonly timeoutMs?: number;
}

/** A KVM that works boots the probe in a fraction of a second; one that needs longer is no faster than TCG. */
const PROBE_TIME_LIMIT_MS = 5000;

async function probe(options: KvmProbeOptions): Promise<boolean> {
  try {
    await access(options.kvmDevice ?? '/dev/kvm', constants.R_OK | constants.W_OK);
  } catch {
    return false;
  }
  return bootsUnder(options.qemu, 'kvm', options.timeoutMs ?? PROBE_TIME_LIMIT_MS);
}

/** KVM does not come or go while we run: one probe per qemu binary and device serves the whole process. */
const probes = new Map<string, Promise<boolean>>();

export function kvmWorks(options: KvmProbeOptions): Promise<boolean> {
  const key = `${options.qemu}\0${options.kvmDevice ?? ''}`;
  let result = probes.get(key);
  if (result === undefined) {
    result = probe(options);
    probes.set(key, result);
  }
  return result;
}

export async function chooseAccelerator(setting: AcceleratorSetting, options: KvmProbeOptions): Promise<Accelerator> {
  if (setting !== 'auto') return setting;
  return (await kvmWorks(options)) ? 'kvm' : 'tcg';
}
