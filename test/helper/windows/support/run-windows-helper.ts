import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { realProcesses } from '../../../../src/effects/real/processes.ts';

const MAIN = fileURLToPath(new URL('../../../../src/helper/main.ts', import.meta.url));

export interface WindowsHelperRun {
  readonly exitCode: number;
  readonly stderr: string;
  readonly result: string;
  readonly monitor: string[];
  readonly trace: string;
}

/**
 * Runs the real helper program with its whole task table on a disk, from a
 * rules directory laid out like the config device: rules.json, unattend.xml
 * and sysprep.inf.
 */
export async function runWindowsHelper(workdir: string, disk: string, env: Record<string, string>, answerFiles: { unattend: string; sysprepInf: string }): Promise<WindowsHelperRun> {
  const dir = await mkdtemp(join(workdir, 'run-'));
  await writeFile(join(dir, 'rules.json'), JSON.stringify({ version: 1, env, devices: ['/dev/vdb'] }));
  await writeFile(join(dir, 'unattend.xml'), answerFiles.unattend);
  await writeFile(join(dir, 'sysprep.inf'), answerFiles.sysprepInf);
  const [result, monitor, trace] = ['result', 'monitor', 'trace'].map((name) => join(dir, name)) as [string, string, string];
  const args = ['--disk', disk, '--rules-dir', dir, '--result', result, '--monitor', monitor, '--trace', trace];
  const outcome = await realProcesses.run(process.execPath, ['--import', 'tsx', MAIN, ...args], { allowFailure: true });
  const read = (path: string) => readFile(path, 'utf8').catch(() => '');
  return { exitCode: outcome.exitCode, stderr: outcome.stderr, result: await read(result), monitor: (await read(monitor)).split('\n').filter(Boolean), trace: await read(trace) };
}
