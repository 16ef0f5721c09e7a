import { randomUUID } from 'node:crypto';
import { mountedTask } from '../linux/mounted-task.ts';
import { guestRoot } from '../linux/task-env.ts';
import type { Task } from '../task.ts';

/** The files systemd and D-Bus read the machine id from. */
const MACHINE_ID_FILES = ['/etc/machine-id', '/var/lib/dbus/machine-id'] as const;

/**
 * Gives the guest a machine id of its own, so that instances of one image do
 * not share it (snf-image's 50ChangeMachineId). Only files the image has are
 * written; where /var/lib/dbus/machine-id links to /etc/machine-id both get
 * the same id.
 */
export const changeMachineId: Task = mountedTask({
  name: 'ChangeMachineId',
  priority: 50,
  async run(ctx) {
    const guest = guestRoot(ctx.env);
    const id = randomUUID().replaceAll('-', '');
    for (const path of MACHINE_ID_FILES) {
      if (await guest.isFile(path)) await guest.writeFile(path, `${id}\n`);
      else ctx.warn(`${path} does not exist in the image: not creating it`);
    }
  },
});
