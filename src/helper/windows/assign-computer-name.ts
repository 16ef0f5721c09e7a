import { SnfImageError } from '../../errors.ts';
import { envText } from '../linux/task-env.ts';
import type { TaskContext } from '../task.ts';
import { checkComputerName } from './computer-name.ts';
import { readInstalledAnswerFile } from './guest-answer-file.ts';
import { IniFile } from './ini-file.ts';
import { SYSPREP_INF } from './sysprep-inf-install.ts';
import { readArchitecture } from './windows-facts.ts';
import { windowsFamily, windowsGuest } from './windows-task.ts';

/**
 * AssignHostname for Windows: the instance name becomes the computer name
 * that setup gives the machine, in unattend.xml (specialize pass,
 * Shell-Setup) or in sysprep.inf ([UserData] ComputerName).
 */
export async function assignComputerName(ctx: TaskContext): Promise<void> {
  const name = envText(ctx.env, 'HOSTNAME') ?? '';
  checkComputerName(name);
  const guest = windowsGuest(ctx);
  if (windowsFamily(ctx) === 'windows') {
    const architecture = await readArchitecture(guest);
    const { path, xml } = await readInstalledAnswerFile(guest);
    xml.setSetting(xml.component('specialize', 'Microsoft-Windows-Shell-Setup', architecture), 'ComputerName', name);
    await guest.writeText(path, xml.toString());
    return;
  }
  const text = await guest.readText(SYSPREP_INF);
  if (text === undefined) throw new SnfImageError('The image has no sysprep\\sysprep.inf: InstallUnattend installs one; it did not run (excluded, overridden or under cloud-init)');
  const inf = IniFile.parse(text);
  inf.set('UserData', 'ComputerName', name);
  await guest.writeText(SYSPREP_INF, inf.toString());
}
