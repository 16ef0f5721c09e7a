import { readdir, readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { TaskContext } from '../task.ts';

/** The programs that serve an NTFS mount from user space. */
const NTFS_DAEMON = /^(mount\.)?(low)?ntfs(-3g)?$/;
/** How long an ntfs-3g process may take to write its last data and exit after its unmount. */
const EXIT_TIMEOUT_SECONDS = 60;

/**
 * The ntfs-3g processes serving mounts at or below `path`, found by their
 * command line (device, mountpoint, options): unmounting a FUSE filesystem
 * returns before its process has exited, and the helper must not power the
 * VM off while one may still be writing.
 */
export async function ntfsDaemonsUnder(path: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const argv = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0');
    if (!NTFS_DAEMON.test(basename(argv[0] ?? ''))) continue;
    if (argv.slice(1).some((arg) => arg === path || arg.startsWith(`${path}/`))) pids.push(Number(entry));
  }
  return pids;
}

/** Waits for the processes to exit; `tail --pid` does the polling, so the task needs no timer of its own. */
export async function waitForExit(ctx: TaskContext, pids: readonly number[]): Promise<void> {
  for (const pid of pids) {
    const waited = await ctx.processes.run('timeout', [String(EXIT_TIMEOUT_SECONDS), 'tail', '-s', '0.1', `--pid=${pid}`, '-f', '/dev/null'], { allowFailure: true, signal: ctx.signal });
    if (waited.exitCode !== 0) ctx.warn(`ntfs-3g (pid ${pid}) was still running ${EXIT_TIMEOUT_SECONDS} seconds after its unmount`);
  }
}
