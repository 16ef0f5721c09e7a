import { mkdtemp, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SnfImageError } from '../../errors.ts';
import { filesystemType } from '../detection.ts';
import { parseFstab, type FstabEntry } from '../fstab.ts';
import { FstabDevices } from '../fstab-devices.ts';
import { GuestRoot } from '../linux/guest-path.ts';
import { envText } from '../linux/task-env.ts';
import { partitionExists } from '../partition-nodes.ts';
import { assertMountedReadWrite, ufsMountRequest } from '../bsd/ufs.ts';
import { declareTask } from '../declare-task.ts';
import type { Task, TaskContext } from '../task.ts';
import { mountsOf, partitionsOf, required } from './disk-task.ts';

/** Filesystems of a Linux fstab that the helper mounts (snf-image's mount_all list). */
const LINUX_FILESYSTEMS = /^(auto|ext[234]|msdos|vfat|ntfs|btrfs|xfs)$/;
const REMOVABLE_DEVICE = /^\/dev\/(fd\d*|floppy\d*|sr\d+|cdrom\d*|dvd\d*)$/;
const BIND_OPTIONS = /^r?bind$/;
/**
 * nodev: a device node in the image (/etc/shadow made a node of the
 * helper's own disk, say) cannot be opened through the guest's mounts.
 */
const GUEST_OPTIONS = ['rw', 'nodev'];
/** btrfs options that choose what is mounted, not how: without them a subvolume mount shows the wrong tree. */
const SELECTING_OPTIONS = /^(subvol|subvolid)=/;

/**
 * Mounts the guest: the root partition at a new TARGET directory, then, for
 * Linux, the filesystems its /etc/fstab lists, parents first (snf-image's
 * 30MountImage). Mountpoints are resolved inside the guest, so a symlink in
 * the image cannot send a mount outside it.
 */
export const mountImage: Task = declareTask({
  name: 'MountImage',
  priority: 30,
  runAfter: ['FilesystemResizeUnmounted'],
  families: ['linux', 'windows', 'windows-legacy', 'freebsd', 'openbsd', 'netbsd'],
  requires: ['DEV', 'PROPERTY_ROOT_PARTITION'],
  attributes: { excludable: false, fsResizeExcludable: false, mountedExcludable: true, cloudInitExcludable: false, overwritable: false },
  async run(ctx) {
    const disk = required(ctx, 'DEV');
    const rootNumber = Number(required(ctx, 'PROPERTY_ROOT_PARTITION'));
    const root = partitionsOf(ctx).path(disk, rootNumber);
    if (!partitionExists(disk, rootNumber)) throw new SnfImageError(`The root partition ${root} does not exist: check the ROOT_PARTITION property (${rootNumber})`);
    const target = await mkdtemp(join(tmpdir(), 'snf-image-target-'));
    try {
      await mountGuest(ctx, disk, root, target);
    } catch (error) {
      // A root that could not be mounted leaves no directory behind; a mounted one stays (rmdir fails) for the unmounting.
      await rmdir(target).catch(() => undefined);
      throw error;
    }
    return { TARGET: target };
  },
});

async function mountGuest(ctx: TaskContext, disk: string, root: string, target: string): Promise<void> {
  const family = envText(ctx.env, 'PROPERTY_OSFAMILY') ?? '';
  if (/bsd$/.test(family)) {
    // Only the root: a BSD fstab names disklabel devices (/dev/wd0a) Linux has no names for.
    await mountsOf(ctx).mount(await ufsMountRequest(ctx.processes, root, family, target, 'rw'));
    await assertMountedReadWrite(target);
    return;
  }
  const fstype = await filesystemType(ctx.processes, root);
  await mountsOf(ctx).mount(fstype === 'ntfs' ? { device: root, mountpoint: target, fstype: 'ntfs-3g', options: [...GUEST_OPTIONS, 'windows_names'] } : { device: root, mountpoint: target, options: GUEST_OPTIONS });
  if (family === 'linux') await mountFstabEntries(ctx, disk, target);
}

async function mountFstabEntries(ctx: TaskContext, disk: string, target: string): Promise<void> {
  const guest = new GuestRoot(target);
  if (!(await guest.isDirectory('/etc'))) throw new SnfImageError('The root partition has no /etc directory: check the ROOT_PARTITION property');
  const fstab = await guest.readText('/etc/fstab');
  if (fstab === undefined) {
    ctx.warn('The image has no /etc/fstab: only its root filesystem is mounted');
    return;
  }
  const entries = parseFstab(fstab).filter((e) => wanted(ctx, e));
  if (entries.length === 0) return;
  const disks = Array.from({ length: Number(envText(ctx.env, 'DEV_COUNT') ?? '1') }, (_, i) => envText(ctx.env, `DEV_${i}`) ?? disk);
  const devices = await FstabDevices.scan(ctx.processes, partitionsOf(ctx), disks);
  for (const entry of sortParentsFirst(entries)) {
    const device = devices.resolve(entry.device, entry.mountpoint, ctx.warn, entry.options.includes('nofail'));
    if (device === undefined) continue;
    const mountpoint = await guest.resolve(entry.mountpoint);
    // A mountpoint that is a symlink to / would hide the guest's root from every task after this one.
    if (mountpoint === guest.root) throw new SnfImageError(`/etc/fstab mounts ${entry.device} at ${entry.mountpoint}, which leads to / in the image`);
    if (!(await guest.isDirectory(entry.mountpoint))) throw new SnfImageError(`/etc/fstab mounts ${entry.mountpoint}, which is not a directory in the image`);
    const options = [...GUEST_OPTIONS, ...entry.options.filter((o) => SELECTING_OPTIONS.test(o))];
    await mountsOf(ctx).mount({ device, mountpoint, ...(entry.fstype !== 'auto' ? { fstype: entry.fstype === 'ntfs' ? 'ntfs-3g' : entry.fstype } : {}), options });
  }
}

function wanted(ctx: TaskContext, entry: FstabEntry): boolean {
  if (entry.mountpoint === '/' || !LINUX_FILESYSTEMS.test(entry.fstype)) return false;
  if (entry.options.some((o) => BIND_OPTIONS.test(o))) {
    // A bind mount's source is a directory, of the guest or, in the helper, of the helper itself: never mounted.
    ctx.warn(`Not mounting ${entry.mountpoint} from /etc/fstab: it is a bind mount of ${entry.device}, and only the guest's own filesystems are mounted`);
    return false;
  }
  if (REMOVABLE_DEVICE.test(entry.device) || entry.options.includes('noauto')) {
    ctx.warn(`Not mounting ${entry.mountpoint} (${entry.device}) from /etc/fstab: removable media or noauto`);
    return false;
  }
  return true;
}

/** Parents before children: /boot before /boot/efi. */
function sortParentsFirst(entries: readonly FstabEntry[]): FstabEntry[] {
  const depth = (e: FstabEntry) => e.mountpoint.split('/').filter(Boolean).length;
  return [...entries].sort((a, b) => depth(a) - depth(b) || (a.mountpoint < b.mountpoint ? -1 : a.mountpoint > b.mountpoint ? 1 : 0));
}
