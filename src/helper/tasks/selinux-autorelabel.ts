import { detectBaseDistro } from '../linux/distro.ts';
import { MOUNTED_TASK_ATTRIBUTES, MOUNTED_TASK_ORDER } from '../linux/mounted-task.ts';
import { guestRoot } from '../linux/task-env.ts';
import type { Task } from '../task.ts';

/**
 * Files the earlier tasks wrote carry no SELinux labels; on a RedHat-family
 * guest /.autorelabel makes the first boot relabel the whole filesystem
 * (snf-image's 50SELinuxAutorelabel).
 */
export const selinuxAutorelabel: Task = {
  name: 'SELinuxAutorelabel',
  priority: 50,
  ...MOUNTED_TASK_ORDER,
  families: ['linux'],
  requires: ['TARGET'],
  uses: [],
  attributes: MOUNTED_TASK_ATTRIBUTES,
  async run(ctx) {
    const guest = guestRoot(ctx.env);
    if ((await detectBaseDistro(guest)) !== 'redhat') return;
    await guest.writeFile('/.autorelabel', '', { mode: 0o644, uid: 0, gid: 0 });
  },
};
