import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { realProcesses } from '../../../src/effects/real/processes.ts';
import { parseTrace, type TraceEvent } from '../../../src/effects/trace.ts';

const MAIN = fileURLToPath(new URL('../../../src/helper/main.ts', import.meta.url));

/** The disk-layout tasks: the other tasks edit a real guest, which these fixtures are not. */
export const DISK_TASKS = ['FixPartitionTable', 'FilesystemResizeUnmounted', 'MountImage', 'FilesystemResizeMounted', 'UmountImage'];

export interface HelperProgramRun {
  readonly exitCode: number;
  readonly stderr: string;
  readonly result: string;
  readonly monitor: string[];
  readonly trace: TraceEvent[];
}

/** Runs the real helper program as an ordinary process on the given disks, with a rules directory. */
export async function runHelperProgram(
  workdir: string,
  disks: readonly string[],
  env: Record<string, string>,
  tasks: readonly string[] = DISK_TASKS,
  /** A program the helper runs under, with its arguments (strace, say). */
  launcher: readonly string[] = [],
): Promise<HelperProgramRun> {
  const dir = await mkdtemp(join(workdir, 'run-'));
  await writeFile(join(dir, 'rules.json'), JSON.stringify({ version: 1, env, devices: ['/dev/vdb'] }));
  const [result, monitor, trace] = ['result', 'monitor', 'trace'].map((name) => join(dir, name)) as [string, string, string];
  const args = [...disks.flatMap((d) => ['--disk', d]), '--rules-dir', dir, '--result', result, '--monitor', monitor, '--trace', trace, '--tasks', tasks.join(',')];
  const command = [...launcher, process.execPath, '--import', 'tsx', MAIN, ...args];
  const outcome = await realProcesses.run(command[0]!, command.slice(1), { allowFailure: true });
  const read = (path: string) => readFile(path, 'utf8').catch(() => '');
  return {
    exitCode: outcome.exitCode,
    stderr: outcome.stderr,
    result: await read(result),
    monitor: (await read(monitor)).split('\n').filter(Boolean),
    trace: parseTrace(await read(trace)),
  };
}

export const taskLines = (tasks: readonly string[]) => tasks.flatMap((t) => [`TASK_START:${t}`, `TASK_END:${t}`]);
