import { appendFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { untilAborted, type EffectEvent } from '../effects/effect.ts';
import type { Clock } from '../effects/clock.ts';
import { CommandFailed, type Processes } from '../effects/processes.ts';
import { detectImage } from './detection.ts';
import type { HelperEffects } from '../../machines/helper/ports.ts';
import { realPartitionNodes } from './partition-nodes.ts';
import { realMounts, unmount } from './real-mounts.ts';
import { readRules, type RulesSource } from './rules-source.ts';
import type { Task, TaskContext, TaskOutput } from './task.ts';
import { runOverride } from './task-override.ts';

export type PowerOff = 'sysrq' | 'exit';

/**
 * Flushes the disks and waits until the serial ports have sent what was
 * written to them (the trace on the console, the result and monitor lines).
 * stty sets its port with tcsetattr(TCSADRAIN), which returns only once the
 * port's output is transmitted: a drain as long as the bytes need, where
 * snf-image slept a whole second. -echo is already in effect on every port,
 * so nothing else changes; a port that is no tty (a helper given files) has
 * nothing to drain. It runs on the initrd's static busybox ($0), which the
 * init has already run: the root's sh, sync and stty, started for the first
 * time, took 0.2 s of every power-off under TCG.
 */
const SYNC_AND_DRAIN = '"$0" sync; for port; do "$0" stty -F "$port" -echo 2>/dev/null; done; true';

/** The initrd's busybox as the helper root sees it (HELPER_BUSYBOX_PATH of src/helper-image/initramfs.ts, bind-mounted by the init). */
const INITRD_BUSYBOX = '/usr/lib/snf-image/busybox';

export interface RealHelperOptions {
  readonly rules: RulesSource;
  readonly disks?: readonly string[];
  /** The result channel (ttyS1 in the VM) and the monitor channel (ttyS2), or files. */
  readonly resultPath: string;
  readonly monitorPath: string;
  /** sysrq powers the VM off at once; exit just returns, for a helper run as a process on a host. */
  readonly powerOff: PowerOff;
  readonly tasks: readonly Task[];
  readonly processes: Processes;
  readonly clock: Clock;
}

/** The helper's effects on the real machine: files, partx, mount, the task code and the serial ports. */
export function realHelperEffects(options: RealHelperOptions): HelperEffects {
  const { processes, clock } = options;
  const partitions = realPartitionNodes(processes);
  return {
    readRules: (_input, ctx) => readRules(options.rules, { processes, emit: ctx.emit, signal: ctx.signal, ...(options.disks ? { disks: options.disks } : {}) }),

    detect: (input, ctx) => detectImage({ processes, partitions, signal: ctx.signal }, input),

    async runTask({ task: name, env, overridable }, ctx) {
      const task = options.tasks.find((t) => t.name === name);
      if (!task) throw new Error(`no task named ${name} in this helper`);
      const taskProcesses = reportingStderr(processes, ctx.emit);
      const taskCtx: TaskContext = {
        env: new Map(Object.entries(env)),
        processes: taskProcesses,
        signal: ctx.signal,
        warn: (message) => ctx.emit({ type: 'helper.warning', message }),
        mounts: realMounts({ processes: taskProcesses, clock, emit: ctx.emit, signal: ctx.signal }),
        partitions,
      };
      let output: TaskOutput = {};
      const runOriginal = async () => {
        output = await task.run(taskCtx);
      };
      if (overridable) {
        const outcome = await runOverride(taskProcesses, name, taskCtx.env, taskCtx.warn, runOriginal);
        if (outcome === 'none') await runOriginal();
      } else {
        await runOriginal();
      }
      return { values: output ?? {} };
    },

    // Synchronous, as the trace's lines are: two a task, and under TCG a write through libuv's thread pool costs milliseconds more.
    writeMonitor: async ({ lines }) => appendFileSync(options.monitorPath, lines.map((line) => `${line}\n`).join('')),

    writeResult: async ({ line }) => appendFileSync(options.resultPath, `${line}\n`),

    async unmountAll({ mountpoints }, ctx) {
      const failures: string[] = [];
      for (const mountpoint of mountpoints) {
        // One stuck mount must not keep the others mounted.
        await unmount({ processes, clock, emit: ctx.emit, signal: ctx.signal }, mountpoint).catch((error: Error) => failures.push(error.message));
      }
      if (failures.length > 0) throw new Error(failures.join('; '));
    },

    async powerOff(_input, ctx) {
      if (options.powerOff === 'exit') return;
      await processes.run(INITRD_BUSYBOX, ['sh', '-c', SYNC_AND_DRAIN, INITRD_BUSYBOX, '/dev/console', options.resultPath, options.monitorPath]);
      // A hard power-off, as snf-image's `echo o > /proc/sysrq-trigger`: there is no init to shut down.
      await writeFile('/proc/sysrq-trigger', 'o');
      await untilAborted(ctx.signal, 'powerOff');
    },
  };
}

/** Processes whose failures also report the stderr tail to the machine, for the STDERR lines of the monitor. */
function reportingStderr(processes: Processes, emit: (event: EffectEvent) => void): Processes {
  return {
    async run(command, args, options) {
      try {
        return await processes.run(command, args, options);
      } catch (error) {
        if (error instanceof CommandFailed) emit({ type: 'helper.stderr', lines: error.stderr.split('\n').filter((l) => l.trim() !== '') });
        throw error;
      }
    },
  };
}
