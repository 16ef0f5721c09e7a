import { readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dir, setGracefulCleanup, withDir } from 'tmp-promise';

/**
 * create's temporary directories. They hold secrets (the config device with
 * the root password, host keys), so each is private (0700) and named with
 * the pid of its owner: a create killed with SIGKILL cannot clean up, and the
 * next create on the node removes what a process that is gone left behind.
 */
export type WorkDirKind = 'create' | 'config' | 'hostkeys';

const WORK_DIR_NAME = /^snf-image-(create|config|hostkeys)-(\d+)-/;

/** How the names of a process's work directories start: tmp names them PREFIX-PID-RANDOM. */
export function workDirPrefix(kind: WorkDirKind, pid: number = process.pid): string {
  return `${tmpPrefix(kind)}-${pid}-`;
}

const tmpPrefix = (kind: WorkDirKind) => `snf-image-${kind}`;

/** A work directory the caller removes (create's machine releases it); removed at exit if still there. */
export async function makeWorkDir(kind: WorkDirKind): Promise<string> {
  setGracefulCleanup();
  return (await dir({ prefix: tmpPrefix(kind), unsafeCleanup: true })).path;
}

/** A work directory for the length of `use`, removed with its contents whatever happens. */
export function withWorkDir<T>(kind: WorkDirKind, use: (path: string) => Promise<T>): Promise<T> {
  setGracefulCleanup();
  return withDir(({ path }) => use(path), { prefix: tmpPrefix(kind), unsafeCleanup: true });
}

/** Removes the work directories whose owner no longer runs; returns their paths. */
export async function removeOrphanedWorkDirs(parent: string = tmpdir()): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(parent)) {
    const owner = WORK_DIR_NAME.exec(name)?.[2];
    if (owner === undefined || isRunning(Number(owner))) continue;
    await rm(join(parent, name), { recursive: true, force: true });
    removed.push(join(parent, name));
  }
  return removed;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}
