import { detectBaseDistro } from '../linux/distro.ts';
import { mountedTask } from '../linux/mounted-task.ts';
import { guestRoot } from '../linux/task-env.ts';
import type { Task } from '../task.ts';

/**
 * Files the earlier tasks wrote carry no SELinux labels; on a RedHat-family
 * guest /.autorelabel makes the first boot relabel the whole filesystem
 * (snf-image's 50SELinuxAutorelabel).
 */
export const selinuxAutorelabel: Task = mountedTask({
  name: 'SELinuxAutorelabel',
  priority: 50,
  async run(ctx) {
    const guest = guestRoot(ctx.env);
    if ((await detectBaseDistro(guest)) !== 'redhat') return;
    await guest.writeFile('/.autorelabel', '', { mode: 0o644, uid: 0, gid: 0 });
  },
});
