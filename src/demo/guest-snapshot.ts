import { execa } from 'execa';
import { readExtFile, withPartitionedLoop } from './guest-disk.ts';

/** What the demo shows of a Debian guest disk, read without mounting it. */
export interface GuestSnapshot {
  readonly partitions: readonly { number: number; type: string; bytes: number }[];
  readonly rootFilesystemBytes: number;
  readonly rootFilesystemClean: boolean;
  readonly hostname: string;
  readonly rootHash: string;
  readonly machineId: string;
  readonly hostKey: string;
  readonly motd: string;
  readonly swapEntry: string;
  readonly network: string;
}

/** Reads the guest's first partition with debugfs on a read-only loop device. */
export function guestSnapshot(disk: string): Promise<GuestSnapshot> {
  return withPartitionedLoop(
    disk,
    async (device) => {
      const table = JSON.parse((await execa('sfdisk', ['--json', device])).stdout).partitiontable as { partitions: { node: string; size: number; type: string }[] };
      const root = `${device}p1`;
      const superblock = (await execa('dumpe2fs', ['-h', root])).stdout;
      const field = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(superblock)?.[1] ?? 0);
      const clean = (await execa('e2fsck', ['-fn', root], { reject: false })).exitCode === 0;
      const file = (path: string) => readExtFile(root, path).catch(() => '');
      const fstab = await file('/etc/fstab');
      return {
        partitions: table.partitions.map((p) => ({ number: Number(/(\d+)$/.exec(p.node)?.[1]), type: p.type, bytes: p.size * 512 })),
        rootFilesystemBytes: field('Block count') * field('Block size'),
        rootFilesystemClean: clean,
        hostname: (await file('/etc/hostname')).trim(),
        rootHash: (await file('/etc/shadow')).split('\n').find((l) => l.startsWith('root:'))?.split(':')[1] ?? '',
        machineId: (await file('/etc/machine-id')).trim(),
        hostKey: (await file('/etc/ssh/ssh_host_ed25519_key.pub')).split(' ')[1] ?? '',
        motd: await file('/etc/motd'),
        swapEntry: fstab.split('\n').find((l) => /\sswap\s/.test(l) && !l.startsWith('#'))?.trim() ?? '',
        network: await file('/etc/network/interfaces'),
      };
    },
    { readOnly: true },
  );
}
