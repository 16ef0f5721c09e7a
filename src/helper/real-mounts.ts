import { readFile, realpath } from 'node:fs/promises';
import type { Clock } from '../effects/clock.ts';
import type { EffectEvent } from '../effects/effect.ts';
import type { Processes } from '../effects/processes.ts';
import type { MountRequest, Mounts } from './task.ts';

/** Tries before an unmount gives up, and the first wait; each wait doubles (0.25 s ... 4 s). */
export const UNMOUNT_ATTEMPTS = 6;
export const UNMOUNT_FIRST_WAIT_MS = 250;

export interface MountDeps {
  readonly processes: Processes;
  /** Waits between unmount attempts come from this clock, so tests control them. */
  readonly clock: Clock;
  readonly emit: (event: EffectEvent) => void;
  readonly signal: AbortSignal;
}

/** mount(8) and umount(8), reporting each mount and unmount to the machine. */
export function realMounts(deps: MountDeps): Mounts {
  return {
    async mount({ device, mountpoint, fstype, options }: MountRequest) {
      const args = [...(fstype ? ['-t', fstype] : []), ...(options?.length ? ['-o', options.join(',')] : []), device, mountpoint];
      await deps.processes.run('mount', args, { signal: deps.signal });
      deps.emit({ type: 'helper.mounted', mountpoint });
    },
    async unmountUnder(path) {
      for (const mountpoint of await mountpointsUnder(path)) await unmount(deps, mountpoint);
    },
  };
}

/**
 * Unmounts one mountpoint, retrying while it is busy (a fuse daemon such as
 * ntfs-3g lets go of the device a moment after its last file closes).
 */
export async function unmount(deps: MountDeps, mountpoint: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const result = await deps.processes.run('umount', [mountpoint], { allowFailure: true, signal: deps.signal });
    if (result.exitCode === 0) {
      deps.emit({ type: 'helper.unmounted', mountpoint });
      return;
    }
    if (attempt === UNMOUNT_ATTEMPTS) throw new Error(`cannot unmount ${mountpoint}: ${result.stderr.trim() || `umount exited with ${result.exitCode}`}`);
    await sleep(deps.clock, UNMOUNT_FIRST_WAIT_MS * 2 ** (attempt - 1), deps.signal);
  }
}

/** Mountpoints at or below `path` from /proc/mounts, deepest (most recently stacked) first. */
export async function mountpointsUnder(path: string): Promise<string[]> {
  const table = await readFile('/proc/mounts', 'utf8');
  const mountpoints = table
    .split('\n')
    .map((line) => line.split(' ')[1])
    .filter((m): m is string => m !== undefined)
    .map(decodeMountField)
    .filter((m) => m === path || m.startsWith(`${path}/`));
  return mountpoints.reverse();
}

/** Whether `device` is mounted at exactly `mountpoint` (the top of its stack), per /proc/mounts. */
export async function isMountedAt(device: string, mountpoint: string): Promise<boolean> {
  const table = await readFile('/proc/mounts', 'utf8');
  const top = table
    .split('\n')
    .map((line) => line.split(' ').map(decodeMountField))
    .filter((fields) => fields[1] === mountpoint)
    .at(-1);
  if (top === undefined) return false;
  const canonical = (path: string) => realpath(path).catch(() => path);
  return (await canonical(top[0]!)) === (await canonical(device));
}

/** /proc/mounts escapes space, tab, newline and backslash as octal. */
function decodeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_m, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const id = clock.setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clock.clearTimeout(id);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
