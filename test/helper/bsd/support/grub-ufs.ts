import { realProcesses } from '../../../../src/effects/real/processes.ts';

/**
 * Reads a file from a UFS partition of a disk with GRUB's own UFS1/UFS2
 * reader (grub-fstest): an implementation other than Linux's driver, which
 * wrote the file, and one that runs on the host, which has no ufs module.
 * The partition is reached through a read-only loop device over its sectors.
 */
export async function readUfsFile(disk: string, partition: { readonly start: number; readonly size: number }, path: string): Promise<string> {
  const loop = (await realProcesses.run('losetup', ['--find', '--show', '--read-only', '--offset', String(partition.start * 512), '--sizelimit', String(partition.size * 512), disk])).stdout.trim();
  try {
    return (await realProcesses.run('grub-fstest', [loop, 'cat', path])).stdout;
  } finally {
    await realProcesses.run('losetup', ['-d', loop]);
  }
}
