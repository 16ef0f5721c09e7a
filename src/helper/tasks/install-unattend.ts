import { MOUNTED_TASK_ORDER } from '../linux/mounted-task.ts';
import { declareTask } from '../declare-task.ts';
import type { Task } from '../task.ts';
import { installSysprepInf } from '../windows/sysprep-inf-install.ts';
import { installUnattendXml } from '../windows/unattend-install.ts';
import { windowsFamily } from '../windows/windows-task.ts';

/**
 * Installs the Windows answer file that drives setup at first boot:
 * unattend.xml for windows, sysprep.inf for windows-legacy (snf-image's
 * 35InstallUnattend). The tasks after it add the computer name, the password
 * script and the resize script to what it lays out.
 */
export const installUnattend: Task = declareTask({
  name: 'InstallUnattend',
  priority: 35,
  ...MOUNTED_TASK_ORDER,
  families: ['windows', 'windows-legacy'],
  requires: ['TARGET'],
  attributes: { excludable: false, fsResizeExcludable: false, mountedExcludable: true, cloudInitExcludable: true, overwritable: true },
  async run(ctx) {
    if (windowsFamily(ctx) === 'windows') await installUnattendXml(ctx);
    else await installSysprepInf(ctx);
  },
});
