import { SnfImageError } from '../errors.ts';
import { HELPER_CHANNELS } from '../protocol/helper-channels.ts';
import { ACTIVATE_HELPER, DEBUG_HELPER, KERNEL_ARGS, kernelArg } from '../protocol/kernel-command-line.ts';
import type { PowerOff } from './real-effects.ts';
import type { RulesSource } from './rules-source.ts';

export class HelperUsageError extends SnfImageError {
  override readonly name = 'HelperUsageError';
}

export interface HelperOptions {
  readonly rules: RulesSource;
  readonly disks?: readonly string[];
  readonly resultPath: string;
  readonly monitorPath: string;
  /** Where the trace goes, one JSON event a line (trace-channel.ts); without it, nowhere. */
  readonly tracePath?: string;
  readonly powerOff: PowerOff;
  /** Run only these tasks of the table (debugging, and tests that exercise some tasks on their own). */
  readonly onlyTasks?: readonly string[];
}

export const USAGE = `usage: snf-image-helper (--rules-dev DEV | --rules-file PATH | --rules-dir DIR)
                        [--disk DEV]... [--result PATH] [--monitor PATH] [--trace PATH]
                        [--poweroff exit|sysrq] [--tasks NAME,NAME...]
  Without arguments it reads /proc/cmdline, which must hold ${ACTIVATE_HELPER}
  and ${KERNEL_ARGS.rulesDevice}=DEV, and may hold ${KERNEL_ARGS.disks}=DEV,DEV ${KERNEL_ARGS.result}=PATH
  ${KERNEL_ARGS.monitor}=PATH ${KERNEL_ARGS.trace}=PATH; it then traces to ${HELPER_CHANNELS.trace.device}
  unless told otherwise, and powers the VM off with sysrq.
  Defaults: --result ${HELPER_CHANNELS.result.device} --monitor ${HELPER_CHANNELS.monitor.device} --poweroff exit;
  no trace; the disks of rules.json.`;

const DEFAULT_RESULT = HELPER_CHANNELS.result.device;
const DEFAULT_MONITOR = HELPER_CHANNELS.monitor.device;

/** Options from the command line of an ordinary process (tests, debugging). */
export function parseHelperArgs(argv: readonly string[]): HelperOptions {
  const values = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = argv[i + 1];
    if (!/^--[a-z-]+$/.test(flag) || !KNOWN_FLAGS.has(flag)) throw new HelperUsageError(`unknown argument ${flag}`);
    if (value === undefined || value.startsWith('--')) throw new HelperUsageError(`${flag} needs a value`);
    values.set(flag, [...(values.get(flag) ?? []), value]);
    i++;
  }
  const one = (flag: string) => values.get(flag)?.at(-1);
  const sources = [['--rules-dev', 'device'], ['--rules-file', 'file'], ['--rules-dir', 'directory']] as const;
  const given = sources.filter(([flag]) => values.has(flag));
  if (given.length !== 1) throw new HelperUsageError('give exactly one of --rules-dev, --rules-file and --rules-dir');
  const [flag, kind] = given[0]!;
  const powerOff = one('--poweroff') ?? 'exit';
  if (powerOff !== 'exit' && powerOff !== 'sysrq') throw new HelperUsageError(`--poweroff must be exit or sysrq, not ${powerOff}`);
  const tracePath = one('--trace');
  const onlyTasks = one('--tasks')?.split(',').filter(Boolean);
  return {
    rules: { [kind]: one(flag)! } as RulesSource,
    ...(values.has('--disk') ? { disks: values.get('--disk')! } : {}),
    resultPath: one('--result') ?? DEFAULT_RESULT,
    monitorPath: one('--monitor') ?? DEFAULT_MONITOR,
    ...(tracePath ? { tracePath } : {}),
    powerOff,
    ...(onlyTasks ? { onlyTasks } : {}),
  };
}

const KNOWN_FLAGS = new Set(['--rules-dev', '--rules-file', '--rules-dir', '--disk', '--result', '--monitor', '--trace', '--poweroff', '--tasks']);

/**
 * Options from the kernel command line, when the helper runs as (or under a
 * tiny) init in the VM. Like snf-image, it refuses to act unless the command
 * line says ACTIVATE_HELPER, so a machine that merely has the helper
 * installed is never touched. In the VM the trace goes to its channel.
 */
export function parseKernelCommandLine(cmdline: string): HelperOptions {
  const words = cmdline.trim().split(/\s+/);
  if (!words.includes(ACTIVATE_HELPER)) throw new HelperUsageError(`the kernel command line lacks ${ACTIVATE_HELPER}: not running the helper`);
  const value = (key: string) => kernelArg(words, key);
  const rulesDev = value(KERNEL_ARGS.rulesDevice);
  if (!rulesDev) throw new HelperUsageError(`the kernel command line lacks ${KERNEL_ARGS.rulesDevice}=DEVICE`);
  const disks = value(KERNEL_ARGS.disks)?.split(',').filter(Boolean);
  return {
    rules: { device: rulesDev },
    ...(disks?.length ? { disks } : {}),
    resultPath: value(KERNEL_ARGS.result) ?? DEFAULT_RESULT,
    monitorPath: value(KERNEL_ARGS.monitor) ?? DEFAULT_MONITOR,
    tracePath: value(KERNEL_ARGS.trace) ?? HELPER_CHANNELS.trace.device,
    // HELPER_DEBUG: the init, not the helper, powers off, after the root shell it opens on a failure.
    powerOff: words.includes(DEBUG_HELPER) ? 'exit' : 'sysrq',
  };
}
