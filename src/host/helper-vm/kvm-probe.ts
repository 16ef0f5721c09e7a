import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withDir } from 'tmp-promise';
import type { Accelerator } from '../../../machines/host/ports.ts';
import { ACCELERATOR_ARGS, MACHINE_KERNEL_ARGS, MACHINE_OPTIONS } from './qemu-command.ts';
import { COMMAND_NOT_FOUND, diesWithParent, type Command } from './dies-with-parent.ts';
import { DEBUG_EXIT_PORT, PROBE_EXIT_CODE, PROBE_LINE, probeInitramfs } from './probe-initramfs.ts';
import { childEnvironment } from '../../effects/child-environment.ts';
import type { MachineType } from '../../../machines/host/plan.ts';

/** What the probe boots: the helper's own kernel, on the helper's machine, accelerator and memory. */
export interface ProbeBootSpec {
  /** QEMU: the program and any arguments the operator gave it. */
  readonly qemu: readonly string[];
  readonly accelerator: Accelerator;
  readonly machine: MachineType;
  /** HELPER_DIR/kernel. */
  readonly kernel: string;
  readonly memoryMiB: number;
  readonly timeoutMs: number;
}

export interface ProbeOutcome {
  /** The helper's kernel reached our init under the accelerator. */
  readonly boots: boolean;
  /** Why, in words for the log and the trace. */
  readonly reason: string;
  readonly ms: number;
}

/** The last lines of qemu's own output are kept for the reason; they name what failed ("failed to set MSR ..."). */
const KEPT_OUTPUT_CHARS = 400;

/**
 * Boots the helper's kernel with an init that only signals that it ran,
 * under exactly the accelerator, -cpu and machine the helper gets. Opening
 * /dev/kvm, or running a boot sector, is not enough: some KVMs (kvm-pvm) pass
 * both, then abort or spin silently on a real kernel.
 */
export function probeBoot(spec: ProbeBootSpec): Promise<ProbeOutcome> {
  return withDir(
    async ({ path: dir }) => {
      const initramfs = join(dir, 'probe.cpio');
      await writeFile(initramfs, probeInitramfs());
      const args = [
        '-nodefaults', '-no-user-config', '-machine', MACHINE_OPTIONS[spec.machine], ...ACCELERATOR_ARGS[spec.accelerator],
        '-m', String(spec.memoryMiB), '-display', 'none', '-monitor', 'none', '-nic', 'none', '-no-reboot',
        '-kernel', spec.kernel, '-initrd', initramfs,
        // panic=-1: should init fail, the kernel reboots at once, and -no-reboot ends qemu.
        '-append', ['console=ttyS0', 'quiet', 'panic=-1', ...(MACHINE_KERNEL_ARGS[spec.machine] ?? [])].join(' '),
        '-chardev', 'stdio,id=console', '-device', 'isa-serial,chardev=console,index=0',
        '-device', `isa-debug-exit,iobase=${DEBUG_EXIT_PORT},iosize=1`,
      ];
      const [qemu, ...qemuArgs] = spec.qemu;
      return runProbe(qemu!, diesWithParent({ command: qemu!, args: [...qemuArgs, ...args] }), spec.timeoutMs);
    },
    { prefix: 'snf-image-probe-', unsafeCleanup: true },
  );
}

function runProbe(qemu: string, { command, args }: Command, timeoutMs: number): Promise<ProbeOutcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: childEnvironment() });
    let output = '';
    let initRan = false;
    let settled = false;
    const kill = () => child.pid !== undefined && signalGroup(child.pid);
    const finish = (boots: boolean, reason: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      kill();
      resolve({ boots, reason, ms: Math.round(performance.now() - started) });
    };
    const timer = setTimeout(() => finish(false, `no sign of the probe's init within ${timeoutMs / 1000} s`), timeoutMs);
    const listen = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-KEPT_OUTPUT_CHARS);
      if (!initRan && output.includes(PROBE_LINE)) initRan = true;
    };
    child.stdout.on('data', listen);
    child.stderr.on('data', listen);
    child.once('error', (error) => finish(false, `qemu did not start: ${error.message}`));
    child.once('close', (code, signal) => {
      if (code === PROBE_EXIT_CODE || initRan) finish(true, 'the helper kernel ran the probe init');
      else if (code === COMMAND_NOT_FOUND) finish(false, `qemu did not start: ${qemu} not found`);
      else finish(false, `qemu ended (${signal ?? `exit code ${code}`}) before the probe's init ran: ${lastLine(output)}`);
    });
  });
}

/** qemu's own last message (it names itself), else the last line: after an abort the supervising shell adds "Aborted". */
function lastLine(output: string): string {
  const lines = output.trim().split('\n').map((line) => line.trim()).filter((line) => line !== '');
  return lines.filter((line) => line.startsWith('qemu')).at(-1) ?? lines.at(-1) ?? '(no output)';
}

function signalGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
