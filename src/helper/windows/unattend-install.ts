import { envFlag, envSecretText } from '../linux/task-env.ts';
import type { TaskContext } from '../task.ts';
import { configDeviceAnswerFile } from './answer-file-source.ts';
import { checkFamilyMatchesVersion } from './family-version.ts';
import { findRootAnswerFile } from './guest-answer-file.ts';
import { checkProductKey } from './product-key.ts';
import { appendToSetupComplete, CHANGE_PASSWORD_COMMAND, EXTEND_FILESYSTEM_COMMAND, prepareSetupScripts, WINDOWS_PATHS } from './setup-scripts.ts';
import { checkGeneralized } from './sysprep-state.ts';
import { UnattendXml } from './unattend-xml.ts';
import { readArchitecture } from './windows-facts.ts';
import { windowsGuest } from './windows-task.ts';

/**
 * InstallUnattend for Windows Vista and later: puts an answer file at the
 * root of the system volume (the image's own, unless IGNORE_UNATTEND, else
 * the config device's), makes its specialize pass run the password and
 * resize scripts, and sets the product key.
 */
export async function installUnattendXml(ctx: TaskContext): Promise<void> {
  const guest = windowsGuest(ctx);
  await checkFamilyMatchesVersion(guest, 'windows');
  await checkGeneralized(guest);
  const architecture = await readArchitecture(guest);
  const productKey = envSecretText(ctx.env, 'OS_PRODUCT_KEY')?.reveal();
  if (productKey) checkProductKey(productKey);

  const own = await findRootAnswerFile(guest);
  let path: string;
  let xml: UnattendXml;
  if (own !== undefined && !envFlag(ctx, 'PROPERTY_IGNORE_UNATTEND')) {
    ctx.warn(`Using the ${own.slice(1)} file found in the image`);
    path = own;
    xml = UnattendXml.parse((await guest.readText(own)) ?? '', `the image's ${own.slice(1)}`);
  } else {
    xml = UnattendXml.parse(await configDeviceAnswerFile(ctx, 'UNATTEND'), 'the answer file on the config device (os_answer_file or the default one)');
    if (own !== undefined) await guest.remove(own);
    path = await guest.find('unattend.xml');
  }
  await prepareSetupScripts(guest);

  const present = xml.runSynchronousPaths(architecture).map((p) => p.toLowerCase());
  const commands: [string, string][] = [
    ['Change user passwords', CHANGE_PASSWORD_COMMAND],
    ['Extend the file system', EXTEND_FILESYSTEM_COMMAND],
  ];
  for (const [description, command] of commands) {
    if (!present.some((p) => p.includes(command.toLowerCase()))) xml.addRunSynchronous(architecture, description, command);
  }

  if (productKey) {
    xml.setSetting(xml.component('specialize', 'Microsoft-Windows-Shell-Setup', architecture), 'ProductKey', productKey);
  }
  await guest.writeText(path, xml.toString());
  // The answer file holds the product key: setup keeps a copy in Panther; both go once setup is done.
  await appendToSetupComplete(guest, [`del /f /q "C:\\${path.slice(1).replace(/\//g, '\\')}"`, `del /f /q "${WINDOWS_PATHS.panther}\\unattend.xml"`]);
}
