import { chmod, mkdir, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { oneDiskCreateEnvironment, writeConfigFile } from '../../../src/demo/create-environment.ts';
import { startCreate, type CreateExit } from './create-process.ts';

/** Tasks the helper may be told to skip: each create of a batch skips another, so its messages are told apart. */
export const DISTINCT_EXCLUDED_TASKS = ['AssignHostname', 'ChangeMachineId', 'DeleteSSHKeys', 'SELinuxAutorelabel'] as const;

export interface ConcurrentCreate {
  readonly instance: string;
  readonly disk: string;
  /** The task this create's helper skips (EXCLUDE_TASK_*). */
  readonly excludedTask: string;
  /** Where its PROGRESS_MONITOR wrote what it got. */
  readonly monitorFile: string;
}

export interface CreateMeasurement extends ConcurrentCreate {
  readonly exit: CreateExit;
  readonly wallSeconds: number;
  /** Peak resident set (VmHWM) of the create process and of its qemu, in KiB. */
  readonly peakRssKiB: { readonly create: number; readonly qemu: number };
}

/**
 * Creates of the Debian fixture (`image`) through the real helper VM under
 * TCG, started together, each on its own file disk, all with one TRACE_DIR
 * (each must write its own trace there) and one PROGRESS_MONITOR program
 * that writes each instance's stream to a file of its own. Returns when all
 * have ended, with each one's wall time and peak memory, sampled from /proc.
 */
export async function runConcurrentCreates(options: { dir: string; image: string; helperDir: string; count: number }): Promise<CreateMeasurement[]> {
  const { dir, image, helperDir, count } = options;
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, 'tmp'), { recursive: true });
  const monitor = join(dir, 'monitor.sh');
  // PROGRESS_MONITOR gets the instance name as its last argument.
  await writeFile(monitor, `#!/bin/sh\ncat > "${dir}/monitor-$1"\n`);
  await chmod(monitor, 0o755);
  const configFile = join(dir, 'snf-image.conf');
  await writeConfigFile(configFile, {
    IMAGE_DIR: dirname(image),
    HELPER_DIR: helperDir,
    HELPER_ACCEL: 'tcg',
    HELPER_SOFT_TIMEOUT: '1200',
    TRACE_DIR: traceDir(dir),
    PROGRESS_MONITOR: monitor,
  });
  const diskBytes = (await stat(image)).size + 256 * 1024 * 1024;
  const creates: ConcurrentCreate[] = [];
  for (let i = 0; i < count; i++) {
    const instance = `concurrent${i}.example.org`;
    const disk = join(dir, `disk${i}`);
    await writeFile(disk, '');
    await truncate(disk, diskBytes);
    creates.push({ instance, disk, excludedTask: DISTINCT_EXCLUDED_TASKS[i % DISTINCT_EXCLUDED_TASKS.length]!, monitorFile: join(dir, `monitor-${instance}`) });
  }
  return Promise.all(
    creates.map(async (create, i) => {
      const env = oneDiskCreateEnvironment({
        name: create.instance,
        disk: create.disk,
        mac: `aa:00:00:c0:00:0${i}`,
        configFile,
        parameters: {
          OSP_IMG_ID: basename(image),
          OSP_IMG_FORMAT: 'diskdump',
          OSP_IMG_PASSWD: `password of ${create.instance}`,
          OSP_IMG_PROPERTIES: JSON.stringify({ OSFAMILY: 'linux', ROOT_PARTITION: '1', [`EXCLUDE_TASK_${create.excludedTask.toUpperCase()}`]: 'yes' }),
        },
      });
      const started = performance.now();
      const process = startCreate(env, { tmpdir: join(dir, 'tmp'), logLevel: 'info' });
      const peaks = { create: 0, qemu: 0 };
      const sampler = setInterval(() => void samplePeaks(process.pid, peaks), 200);
      const exit = await process.exited.finally(() => clearInterval(sampler));
      return { ...create, exit, wallSeconds: (performance.now() - started) / 1000, peakRssKiB: peaks };
    }),
  );
}

export const traceDir = (dir: string) => join(dir, 'traces');

/** The trace files in the batch's TRACE_DIR. */
export async function traceFiles(dir: string): Promise<string[]> {
  return (await readdir(traceDir(dir))).map((name) => join(traceDir(dir), name));
}

/** Raises `peaks` to the VmHWM of the create process and of the qemu among its descendants. */
async function samplePeaks(pid: number, peaks: { create: number; qemu: number }): Promise<void> {
  peaks.create = Math.max(peaks.create, await highWaterKiB(pid));
  for (const child of await descendants(pid)) {
    const comm = (await readFile(`/proc/${child}/comm`, 'utf8').catch(() => '')).trim();
    if (comm.startsWith('qemu-system')) peaks.qemu = Math.max(peaks.qemu, await highWaterKiB(child));
  }
}

async function highWaterKiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
}

async function descendants(root: number): Promise<number[]> {
  const parents = new Map<number, number>();
  for (const name of (await readdir('/proc')).filter((n) => /^\d+$/.test(n))) {
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    // The command name may hold spaces and parentheses: the fields after it start at the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid) parents.set(Number(name), ppid);
  }
  const found: number[] = [];
  const isDescendant = (pid: number): boolean => {
    for (let p = parents.get(pid); p !== undefined; p = parents.get(p)) if (p === root) return true;
    return false;
  };
  for (const pid of parents.keys()) if (isDescendant(pid)) found.push(pid);
  return found;
}
