import { envText, guestRoot } from '../linux/task-env.ts';
import type { TaskContext } from '../task.ts';
import { bsdFamily } from './bsd-task.ts';
import { readDeviceBsdLayout } from './bsd-slice.ts';
import { openbsdDevice } from './disklabel.ts';
import { setRcValue } from './rc-conf.ts';

/**
 * FilesystemResizeUnmounted for the BSDs: Debian has no tool that grows UFS
 * (snf-image carried FreeBSD's and OpenBSD's growfs built for Linux), so the
 * filesystem is not grown here; the mounted half below has the guest grow it.
 */
export async function reportUfsNotGrownHere(ctx: TaskContext): Promise<void> {
  ctx.warn(`The UFS root is not grown in the helper (Linux has no UFS growfs); the guest grows it at its first boot, as FilesystemResizeMounted arranges`);
}

/**
 * FilesystemResizeMounted for the BSDs: arranges for the guest's own tools to
 * grow the root filesystem into its grown partition at first boot, and says
 * which. FreeBSD: rc.d/growfs (growfs_enable, run on the boot /firstboot
 * marks, which also grows the GPT partition); NetBSD: rc.d/resize_root;
 * OpenBSD: growfs in /etc/rc.firsttime, which rc runs once and deletes.
 */
export async function arrangeFirstBootGrowth(ctx: TaskContext): Promise<void> {
  const guest = guestRoot(ctx.env);
  const family = bsdFamily(ctx);
  if (family === 'openbsd') {
    const root = await openbsdRootDevice(ctx);
    await guest.appendText('/etc/rc.firsttime', `# Written by snf-image: grow the root filesystem into its grown partition, once.\n/sbin/growfs -y ${root}\n`, { mode: 0o644 });
    ctx.warn(`The root filesystem is grown by OpenBSD at first boot (growfs -y ${root} in /etc/rc.firsttime)`);
    return;
  }
  const rcConf = (await guest.readText('/etc/rc.conf')) ?? '';
  if (family === 'freebsd') {
    await guest.writeFile('/etc/rc.conf', setRcValue(rcConf, 'growfs_enable', 'YES'));
    await guest.writeFile('/firstboot', '');
    ctx.warn('The root filesystem is grown by FreeBSD at first boot (growfs_enable="YES" in /etc/rc.conf, and /firstboot)');
    return;
  }
  await guest.writeFile('/etc/rc.conf', setRcValue(rcConf, 'resize_root', 'YES'));
  ctx.warn('The root filesystem is grown by NetBSD at first boot (resize_root="YES" in /etc/rc.conf)');
}

/** The root is partition a. */
async function openbsdRootDevice(ctx: TaskContext): Promise<string> {
  const { label } = await readDeviceBsdLayout(ctx.processes, envText(ctx.env, 'DEV')!, ctx.signal);
  return openbsdDevice(label, 'a');
}
