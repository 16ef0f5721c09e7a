import { posix } from 'node:path';
import { SnfImageError } from '../../errors.ts';
import { envFlag, envSecretText } from '../linux/task-env.ts';
import type { TaskContext } from '../task.ts';
import { configDeviceAnswerFile } from './answer-file-source.ts';
import { checkFamilyMatchesVersion } from './family-version.ts';
import { IniFile } from './ini-file.ts';
import { checkProductKey } from './product-key.ts';
import { CHANGE_PASSWORD_COMMAND, prepareSetupScripts, WINDOWS_PATHS } from './setup-scripts.ts';
import { checkResealed } from './sysprep-state.ts';
import { windowsLines, type WindowsGuest } from './windows-guest.ts';
import { windowsGuest } from './windows-task.ts';

export const SYSPREP_INF = 'sysprep/sysprep.inf';
const DEFAULT_INSTALL_FILES_PATH = 'C:\\sysprep\\i386';

/**
 * InstallUnattend for Windows XP and 2003: puts sysprep.inf in C:\sysprep
 * (the image's own, unless IGNORE_UNATTEND, else the config device's), makes
 * mini-setup run the password script and SetupComplete.cmd through
 * $OEM$\CmdLines.txt, and sets the product key.
 */
export async function installSysprepInf(ctx: TaskContext): Promise<void> {
  const guest = windowsGuest(ctx);
  await checkFamilyMatchesVersion(guest, 'windows-legacy');
  await checkResealed(guest);
  const productKey = envSecretText(ctx.env, 'OS_PRODUCT_KEY')?.reveal();
  if (productKey) checkProductKey(productKey);

  const own = await guest.readText(SYSPREP_INF);
  const useOwn = own !== undefined && !envFlag(ctx, 'PROPERTY_IGNORE_UNATTEND');
  if (useOwn) ctx.warn('Using the sysprep.inf file found in the image');
  const inf = IniFile.parse(useOwn ? own : await configDeviceAnswerFile(ctx, 'SYSPREPINF'));
  const installFilesPath = inf.get('Unattended', 'InstallFilesPath');
  // Mini-setup looks for $OEM$\CmdLines.txt in InstallFilesPath: name the default one rather than rely on it.
  if (installFilesPath === undefined) inf.set('Unattended', 'InstallFilesPath', DEFAULT_INSTALL_FILES_PATH);
  const installFiles = installFilesDirectory(installFilesPath ?? DEFAULT_INSTALL_FILES_PATH);

  await prepareSetupScripts(guest);
  await addCmdLines(guest, `${installFiles}/$OEM$/CmdLines.txt`, [CHANGE_PASSWORD_COMMAND, WINDOWS_PATHS.setupComplete]);
  if (productKey) inf.set('UserData', 'ProductKey', productKey);
  await guest.writeText(SYSPREP_INF, inf.toString());
}

/**
 * The volume path of InstallFilesPath, which must lie in C:\sysprep (mini-setup
 * deletes that folder when it is done, and it keeps the files in the guest).
 */
export function installFilesDirectory(windowsPath: string): string {
  const match = /^c:\\(.*)$/i.exec(windowsPath.trim());
  const relative = match ? posix.normalize(`/${match[1]!.replace(/\\/g, '/')}`) : undefined;
  if (relative === undefined || !/^\/sysprep\/./i.test(relative)) {
    throw new SnfImageError(`sysprep.inf sets [Unattended] InstallFilesPath to ${JSON.stringify(windowsPath)}, which is not inside C:\\sysprep: change it to ${DEFAULT_INSTALL_FILES_PATH}`);
  }
  return relative.replace(/\/$/, '').slice(1);
}

/** Adds commands to the [Commands] section of CmdLines.txt (one quoted command a line), keeping the image's ones. */
async function addCmdLines(guest: WindowsGuest, path: string, commands: readonly string[]): Promise<void> {
  const current = (await guest.readText(path)) ?? '';
  const lines = current.split(/\r?\n/).filter((line, i, all) => line !== '' || i < all.length - 1);
  if (!lines.some((line) => /^\s*\[commands\]\s*$/i.test(line))) lines.push('[Commands]');
  for (const command of commands) {
    const quoted = `"${command}"`;
    if (!lines.some((line) => line.trim().toLowerCase() === quoted.toLowerCase())) lines.push(quoted);
  }
  await guest.writeText(path, windowsLines(lines));
}
