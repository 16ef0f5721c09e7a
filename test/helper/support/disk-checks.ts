import type { TraceEvent } from '../../../src/effects/trace.ts';
import { realProcesses } from '../../../src/effects/real/processes.ts';

const run = (command: string, args: readonly string[]) => realProcesses.run(command, args);

export interface TablePartition {
  readonly node: string;
  readonly start: number;
  readonly size: number;
  readonly type: string;
}

export async function partitionTable(disk: string): Promise<{ label: string; lastlba?: number; partitions: TablePartition[] }> {
  return JSON.parse((await run('sfdisk', ['--json', disk])).stdout).partitiontable;
}

export async function diskSectors(disk: string): Promise<number> {
  return Number((await run('blockdev', ['--getsz', disk])).stdout.trim());
}

export async function partitionBytes(device: string): Promise<number> {
  return Number((await run('blockdev', ['--getsize64', device])).stdout.trim());
}

/** The size of the filesystem on a device, in bytes, as the filesystem itself records it. */
export async function filesystemBytes(device: string, fs: 'ext4' | 'xfs' | 'btrfs'): Promise<number> {
  if (fs === 'ext4') {
    const { stdout } = await run('dumpe2fs', ['-h', device]);
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(stdout)![1]);
    return field('Block count') * field('Block size');
  }
  if (fs === 'xfs') {
    const { stdout } = await run('xfs_db', ['-r', '-c', 'sb 0', '-c', 'p dblocks blocksize', device]);
    const field = (name: string) => Number(new RegExp(`^${name} = (\\d+)`, 'm').exec(stdout)![1]);
    return field('dblocks') * field('blocksize');
  }
  const { stdout } = await run('btrfs', ['inspect-internal', 'dump-super', device]);
  return Number(/^dev_item\.total_bytes\s+(\d+)/m.exec(stdout)![1]);
}

/** e2fsck -fn: exit 0 means a clean filesystem. */
export async function e2fsckClean(device: string): Promise<boolean> {
  return (await realProcesses.run('e2fsck', ['-fn', device], { allowFailure: true })).exitCode === 0;
}

/** Mountpoints the helper may have left behind. */
export async function helperMounts(): Promise<string[]> {
  const { stdout } = await run('cat', ['/proc/mounts']);
  return stdout.split('\n').map((l) => l.split(' ')[1] ?? '').filter((m) => m.includes('snf-image-target-') || m.includes('snf-image-probe-'));
}

/**
 * Those of the given mountpoints (the helper's, from its trace) that are
 * still mounted: unlike helperMounts, blind to other test files' helpers
 * running at the same time.
 */
export async function stillMounted(mountpoints: readonly string[]): Promise<string[]> {
  const mounted = new Set((await helperMounts()));
  return mountpoints.filter((m) => mounted.has(m));
}

/** Where the helper mounted things, from its trace. */
export function helperMountpoints(trace: readonly TraceEvent[]): string[] {
  return trace.flatMap((e) => (e.kind === 'effect.event' && e.event.type === 'helper.mounted' ? [String(e.event.mountpoint)] : []));
}
