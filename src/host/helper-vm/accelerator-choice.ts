import { createHash } from 'node:crypto';
import { access, constants, mkdir, readdir, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Accelerator, AcceleratorChoice } from '../../../machines/host/ports.ts';
import type { Logger } from '../../log.ts';
import { probeBoot, type ProbeBootSpec, type ProbeOutcome } from './kvm-probe.ts';
import type { AcceleratorQuestion } from '../../../machines/host/plan.ts';

/** Where the accelerator's verdicts live, and what the probe reads. Tests point these elsewhere. */
export interface AcceleratorChoiceOptions {
  /** One verdict file per host boot, helper kernel, qemu and machine type. */
  readonly cacheDir: string;
  readonly kvmDevice: string;
  /** Changes at every boot of the host: a verdict never outlives the KVM module it was about. */
  readonly bootIdPath: string;
  readonly probe: (spec: ProbeBootSpec) => Promise<ProbeOutcome>;
  readonly probeTimeoutMs: number;
}

export const DEFAULT_ACCELERATOR_CHOICE: AcceleratorChoiceOptions = {
  cacheDir: '/var/cache/snf-image/accelerator',
  kvmDevice: '/dev/kvm',
  bootIdPath: '/proc/sys/kernel/random/boot_id',
  probe: probeBoot,
  // A working KVM takes the helper's kernel to init in well under a second, TCG
  // in about 6 s here: a KVM that has not got there in 15 s hangs, or is no
  // faster than TCG.
  probeTimeoutMs: 15_000,
};

interface Verdict {
  readonly accelerator: Accelerator;
  readonly reason: string;
}

export function createAcceleratorChoice(options: AcceleratorChoiceOptions, log: Logger) {
  const verdictFile = async (question: AcceleratorQuestion) => {
    const bootId = (await readFile(options.bootIdPath, 'utf8')).trim();
    return { bootId, path: join(options.cacheDir, `${bootId}-${await helperFingerprint(question)}.json`) };
  };

  const remember = async (question: AcceleratorQuestion, verdict: Verdict) => {
    try {
      const { bootId, path } = await verdictFile(question);
      await mkdir(options.cacheDir, { recursive: true, mode: 0o755 });
      const partial = `${path}.${process.pid}`;
      await writeFile(partial, `${JSON.stringify(verdict)}\n`);
      await rename(partial, path);
      // Verdicts of earlier boots are about a KVM that is gone.
      for (const name of await readdir(options.cacheDir)) if (!name.startsWith(bootId)) await rm(join(options.cacheDir, name), { force: true });
    } catch (error) {
      log.warn({ err: error }, `could not keep the accelerator verdict in ${options.cacheDir}: the next create probes again`);
    }
  };

  const recalled = async (question: AcceleratorQuestion): Promise<Verdict | undefined> => {
    try {
      const verdict = JSON.parse(await readFile((await verdictFile(question)).path, 'utf8')) as Verdict;
      return verdict.accelerator === 'kvm' || verdict.accelerator === 'tcg' ? verdict : undefined;
    } catch {
      return undefined;
    }
  };

  /** HELPER_ACCEL=auto: KVM when the helper's kernel boots under it, as remembered for this host boot, or probed now. */
  const chooseAccelerator = async (question: AcceleratorQuestion): Promise<AcceleratorChoice> => {
    if (question.setting !== 'auto') return { accelerator: question.setting, fallbackToTcg: false, reason: `HELPER_ACCEL is ${question.setting}` };
    try {
      await access(options.kvmDevice, constants.R_OK | constants.W_OK);
    } catch (error) {
      return { accelerator: 'tcg', fallbackToTcg: false, reason: `${options.kvmDevice} cannot be opened (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
    }
    const known = await recalled(question);
    if (known) return { accelerator: known.accelerator, fallbackToTcg: known.accelerator === 'kvm', reason: `probed earlier in this host boot: ${known.reason}` };
    const outcome = await options.probe({
      qemu: question.qemu,
      accelerator: 'kvm',
      machine: question.machine,
      kernel: join(question.helperDir, 'kernel'),
      memoryMiB: question.memoryMiB,
      timeoutMs: options.probeTimeoutMs,
    });
    const verdict: Verdict = { accelerator: outcome.boots ? 'kvm' : 'tcg', reason: `KVM probe: ${outcome.reason}` };
    await remember(question, verdict);
    return { accelerator: verdict.accelerator, fallbackToTcg: outcome.boots, reason: verdict.reason, probeMs: outcome.ms };
  };

  /** The helper showed no sign of life under KVM: the rest of this host boot uses TCG. */
  const markAcceleratorBad = (question: AcceleratorQuestion, reason: string) => remember(question, { accelerator: 'tcg', reason });

  return { chooseAccelerator, markAcceleratorBad };
}

/**
 * Names the helper a verdict is about. The kernel is known by its path, size,
 * inode and modification time: hashing its 60 MB on every create would cost
 * more than the probe saves, and a rebuilt helper gets a new file.
 */
async function helperFingerprint(question: AcceleratorQuestion): Promise<string> {
  const kernel = await realpath(join(question.helperDir, 'kernel'));
  const { size, ino, mtimeMs } = await stat(kernel);
  return createHash('sha256').update(JSON.stringify([question.qemu, question.machine, kernel, size, ino, mtimeMs])).digest('hex').slice(0, 16);
}
