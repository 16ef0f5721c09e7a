import { SnfImageError } from '../errors.ts';
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
  /** A file for the trace; without one, trace lines go to the console (stderr) with TRACE_PREFIX. */
  readonly tracePath?: string;
  readonly powerOff: PowerOff;
  /** Run only these tasks of the table (debugging, and tests that exercise some tasks on their own). */
  readonly onlyTasks?: readonly string[];
}

export const TRACE_PREFIX = 'snf-image-helper-trace: ';

export const USAGE = `usage: snf-image-helper (--rules-dev DEV | --rules-file PATH | --rules-dir DIR)
                        [--disk DEV]... [--result PATH] [--monitor PATH] [--trace PATH]
                        [--poweroff exit|sysrq] [--tasks NAME,NAME...]
  Without arguments it reads /proc/cmdline, which must hold snf_image_activate_helper
  and rules_dev=DEV, and may hold snf_image_disks=DEV,DEV snf_image_result=PATH
  snf_image_monitor=PATH snf_image_trace=PATH; it then powers the VM off with sysrq.
  Defaults: --result /dev/ttyS1 --monitor /dev/ttyS2 --poweroff exit; the disks of rules.json.`;

const DEFAULT_RESULT = '/dev/ttyS1';
const DEFAULT_MONITOR = '/dev/ttyS2';

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
 * line says snf_image_activate_helper, so a machine that merely has the
 * helper installed is never touched.
 */
/** The kernel command-line word HELPER_DEBUG adds (src/host/helper-vm/qemu-command.ts). */
const DEBUG_WORD = 'snf_image_debug_helper';

export function parseKernelCommandLine(cmdline: string): HelperOptions {
  const words = cmdline.trim().split(/\s+/);
  if (!words.includes('snf_image_activate_helper')) throw new HelperUsageError('the kernel command line lacks snf_image_activate_helper: not running the helper');
  const value = (key: string) => words.find((w) => w.startsWith(`${key}=`))?.slice(key.length + 1);
  const rulesDev = value('rules_dev');
  if (!rulesDev) throw new HelperUsageError('the kernel command line lacks rules_dev=DEVICE');
  const disks = value('snf_image_disks')?.split(',').filter(Boolean);
  const tracePath = value('snf_image_trace');
  return {
    rules: { device: rulesDev },
    ...(disks?.length ? { disks } : {}),
    resultPath: value('snf_image_result') ?? DEFAULT_RESULT,
    monitorPath: value('snf_image_monitor') ?? DEFAULT_MONITOR,
    ...(tracePath ? { tracePath } : {}),
    // HELPER_DEBUG: the init, not the helper, powers off, after the root shell it opens on a failure.
    powerOff: words.includes(DEBUG_WORD) ? 'exit' : 'sysrq',
  };
}
