#!/usr/bin/env node
/**
 * snf-image-helper: the program inside the throw-away helper VM. Run as the
 * VM's init (or under a tiny one) it takes its settings from /proc/cmdline;
 * run as an ordinary process (tests, debugging) from its arguments: see
 * USAGE in helper-args.ts.
 *
 * The trace (every transition and effect call, secrets as ***) goes to the
 * file given with --trace / snf_image_trace=; in the VM, to the trace
 * channel (src/protocol/trace-channel.ts), which the host writes into the
 * run's trace. Lines are written synchronously, so the trace is complete
 * when the helper powers the VM off with sysrq.
 */
import { openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { startupSnapshot } from 'node:v8';
import { toPromise } from 'xstate';
import { helperMachine } from '../../machines/helper/machine.ts';
import { realClock } from '../effects/clock.ts';
import { spawnProcesses } from './spawn-processes.ts';
import { startMachine } from '../effects/run-machine.ts';
import { Tracer } from '../effects/trace.ts';
import { traceLine } from '../protocol/trace-channel.ts';
import { HelperUsageError, parseHelperArgs, parseKernelCommandLine, USAGE, type HelperOptions } from './helper-args.ts';
import { realHelperEffects } from './real-effects.ts';
import { TASKS } from './tasks/index.ts';
import { declarationOf } from './task.ts';

function readOptions(argv: readonly string[]): HelperOptions {
  if (argv.length > 0) return parseHelperArgs(argv);
  return parseKernelCommandLine(readFileSync('/proc/cmdline', 'utf8'));
}

function openTrace(options: HelperOptions): Tracer | undefined {
  if (!options.tracePath) return undefined;
  const fd = openSync(options.tracePath, 'a', 0o600);
  return new Tracer(realClock, (event) => writeSync(fd, traceLine(event)));
}

async function main(argv: readonly string[]): Promise<number> {
  let options: HelperOptions;
  try {
    options = readOptions(argv);
  } catch (error) {
    if (!(error instanceof HelperUsageError)) throw error;
    process.stderr.write(`snf-image-helper: ${error.message}\n${USAGE}\n`);
    return 2;
  }
  const unknown = options.onlyTasks?.filter((name) => !TASKS.some((t) => t.name === name)) ?? [];
  if (unknown.length > 0) {
    process.stderr.write(`snf-image-helper: no task named ${unknown.join(', ')}; the tasks are ${TASKS.map((t) => t.name).join(', ')}\n`);
    return 2;
  }
  const tasks = options.onlyTasks ? TASKS.filter((t) => options.onlyTasks!.includes(t.name)) : TASKS;
  const trace = openTrace(options);
  const effects = realHelperEffects({ ...options, tasks, processes: spawnProcesses, clock: realClock });
  const actor = startMachine(helperMachine, effects, {
    clock: realClock,
    ...(trace ? { trace } : {}),
    name: 'helper',
    input: { tasks: tasks.map(declarationOf) },
  });
  const output = await toPromise(actor);
  process.stderr.write(`snf-image-helper: ${output.result}\n`);
  return output.result === 'SUCCESS' ? 0 : 1;
}

function start(argv: readonly string[]): void {
  void main(argv).then((code) => {
    process.exitCode = code;
  });
}

/** Written when the program starts from its startup snapshot: the init runs the plain bundle when it is missing. */
const SNAPSHOT_STARTED = '/run/snf-image-helper.started';

// Built into a V8 startup snapshot (src/helper-image/startup-snapshot.ts), the
// program runs when the snapshot is restored, where process.argv has no script.
if (startupSnapshot.isBuildingSnapshot()) {
  startupSnapshot.setDeserializeMainFunction(() => {
    writeFileSync(SNAPSHOT_STARTED, '');
    start(process.argv.slice(1));
  });
} else {
  start(process.argv.slice(2));
}
