import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Processes } from '../effects/processes.ts';
import type { Logger } from '../log.ts';
import { releaseMountsUnder } from './mounts.ts';

/** Where built helper images and their layers live, outside the work tree. */
export const DEFAULT_CACHE_DIR = '/var/cache/snf-image/helper';

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs `work` while holding a lock shared by every process on the machine, so
 * that test files running in parallel wait for one build instead of racing it.
 * A lock left by a process that died is taken over.
 */
export async function withLock<T>(lockDir: string, log: Logger, work: () => Promise<T>): Promise<T> {
  let announced = false;
  for (;;) {
    try {
      await mkdir(lockDir);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number(await readFile(`${lockDir}/pid`, 'utf8').catch(() => ''));
    if (owner > 0 && !isAlive(owner)) {
      await rm(lockDir, { recursive: true, force: true });
      continue;
    }
    if (!announced) log.info({ lock: lockDir, owner }, 'waiting for another build');
    announced = true;
    await sleep(500);
  }
  try {
    await writeFile(`${lockDir}/pid`, String(process.pid));
    return await work();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}

/**
 * Makes `dir` exist, built by `build` into a scratch directory beside it that
 * is renamed into place only when complete: a reader never sees half a build,
 * and a failed build leaves nothing behind. Returns whether it built.
 */
export async function buildOnce(
  dir: string,
  tools: { log: Logger; processes: Processes },
  build: (scratch: string) => Promise<void>,
): Promise<boolean> {
  if (await exists(dir)) return false;
  return withLock(`${dir}.lock`, tools.log, async () => {
    if (await exists(dir)) return false;
    const scratch = `${dir}.partial`;
    const discard = async () => {
      await releaseMountsUnder(scratch, tools.processes);
      await rm(scratch, { recursive: true, force: true });
    };
    await discard();
    await mkdir(scratch, { recursive: true });
    try {
      await build(scratch);
      await rename(scratch, dir);
      return true;
    } finally {
      await discard();
    }
  });
}
