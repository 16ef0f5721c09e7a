import { open, readFile } from 'node:fs/promises';
import { SnfImageError } from '../../errors.ts';
import type { Processes } from '../../effects/processes.ts';
import type { MountRequest } from '../task.ts';

/**
 * Linux's name for a UFS flavour (mount -o ufstype=): blkid reports version
 * 1 for the UFS1 of OpenBSD, NetBSD and old FreeBSD (44bsd), 2 for UFS2.
 */
export async function ufsType(processes: Processes, device: string): Promise<'44bsd' | 'ufs2' | undefined> {
  const { exitCode, stdout } = await processes.run('blkid', ['-p', '-o', 'export', device], { allowFailure: true });
  if (exitCode !== 0 || !/^TYPE=ufs$/m.test(stdout)) return undefined;
  return /^VERSION=2$/m.test(stdout) ? 'ufs2' : '44bsd';
}

/** How the helper mounts a BSD root: UFS of the right flavour, read-write, or read-only for a look. */
export async function ufsMountRequest(processes: Processes, device: string, family: string, mountpoint: string, mode: 'rw' | 'ro'): Promise<MountRequest> {
  const type = await ufsType(processes, device);
  if (!type) throw new SnfImageError(`For ${family} images only UFS root partitions are supported: ${device} holds no UFS`);
  await assertLinuxReadsFragments(device, family);
  return { device, mountpoint, fstype: 'ufs', options: [mode, `ufstype=${type}`] };
}

/** Linux's ufs driver refuses larger fragments (fs/ufs/super.c), and mount then says only "bad superblock". */
const LINUX_MAX_FRAGMENT = 4096;
/** Where UFS2 (64 KiB, or 8 KiB as makefs writes it) and UFS1 (8 KiB) keep the superblock. */
const SUPERBLOCK_OFFSETS = [65536, 8192];
const UFS_MAGICS = new Set([0x011954, 0x19540119]);

/** Says why before mount fails without one: a UFS made with fragments Linux cannot read (newfs -f 8192). */
async function assertLinuxReadsFragments(device: string, family: string): Promise<void> {
  const file = await open(device, 'r');
  try {
    for (const offset of SUPERBLOCK_OFFSETS) {
      const { buffer } = await file.read(Buffer.alloc(1376), 0, 1376, offset);
      const littleEndian = UFS_MAGICS.has(buffer.readUInt32LE(1372));
      if (!littleEndian && !UFS_MAGICS.has(buffer.readUInt32BE(1372))) continue;
      const fragment = littleEndian ? buffer.readUInt32LE(52) : buffer.readUInt32BE(52);
      if (fragment > LINUX_MAX_FRAGMENT) {
        throw new SnfImageError(`The ${family} root ${device} is a UFS with ${fragment}-byte fragments; Linux's ufs driver, which the helper customizes it with, reads fragments of at most ${LINUX_MAX_FRAGMENT} bytes (make the filesystem with newfs -f ${LINUX_MAX_FRAGMENT} or less)`);
      }
      return;
    }
  } finally {
    await file.close();
  }
}

/**
 * Linux mounts a UFS that was not cleanly unmounted (or needs fsck) read-only
 * without failing the mount: a task would then fail on its first write, or
 * worse, a check would pass on nothing written. The mount must really be
 * read-write before any task relies on it.
 */
export async function assertMountedReadWrite(mountpoint: string): Promise<void> {
  const mounts = await readFile('/proc/self/mounts', 'utf8');
  const entry = mounts.split('\n').map((line) => line.split(' ')).filter((fields) => fields[1] === mountpoint).at(-1);
  const options = entry?.[3]?.split(',') ?? [];
  if (!options.includes('rw')) {
    throw new SnfImageError(`The UFS root was mounted read-only by the kernel (it is not clean, or needs fsck): run fsck on it in the guest, then deploy the image again`);
  }
}
