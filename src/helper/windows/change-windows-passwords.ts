import { SnfImageError } from '../../errors.ts';
import { envSecretText, envText } from '../linux/task-env.ts';
import type { TaskContext } from '../task.ts';
import { readInstalledAnswerFile } from './guest-answer-file.ts';
import { IniFile } from './ini-file.ts';
import { passwordScript } from './password-script.ts';
import { CHANGE_PASSWORD } from './setup-scripts.ts';
import { SYSPREP_INF } from './sysprep-inf-install.ts';
import type { WindowsGuest } from './windows-guest.ts';
import { windowsFamily, windowsGuest, type WindowsFamily } from './windows-task.ts';

const SAM_USER_NAMES = 'SAM\\Domains\\Account\\Users\\Names';

/**
 * ChangePassword for Windows: writes the script that sets the password of
 * the USERS (default Administrator) during setup. Every user must exist in
 * the image's SAM or be created by its answer file.
 */
export async function changeWindowsPasswords(ctx: TaskContext): Promise<void> {
  if (envSecretText(ctx.env, 'PASSWD_HASH') !== undefined) {
    throw new SnfImageError('img_passwd_hash cannot be used with Windows images, which take the password itself: give img_passwd instead');
  }
  if (envSecretText(ctx.env, 'AUTH_KEYS')?.reveal().trim()) ctx.warn('auth_keys is ignored for Windows images');
  const password = envSecretText(ctx.env, 'PASSWD')?.reveal();
  if (!password) {
    ctx.warn('No password given: the Windows users keep theirs');
    return;
  }
  const family = windowsFamily(ctx);
  const guest = windowsGuest(ctx);
  const known = await knownUsers(guest, family);
  const users = usersToChange(ctx);
  const missing = users.filter((user) => !known.some((name) => name.toLowerCase() === user.toLowerCase()));
  if (missing.length > 0) {
    throw new SnfImageError(`User ${missing.join(', ')} does not exist in the image (its SAM has ${known.join(', ') || 'no users'}): check the USERS property`);
  }
  const script = passwordScript(users, password);
  if (family === 'windows-legacy') await setLegacyAdminPassword(guest, password);
  await guest.writeText(CHANGE_PASSWORD, script);
}

function usersToChange(ctx: TaskContext): string[] {
  const users = (envText(ctx.env, 'PROPERTY_USERS') ?? '').trim().split(/\s+/).filter(Boolean);
  if (users.length > 0) return users;
  ctx.warn('No USERS property: changing the password of Administrator');
  return ['Administrator'];
}

/** The accounts of the SAM hive, and for windows those the answer file creates during setup. */
async function knownUsers(guest: WindowsGuest, family: WindowsFamily): Promise<string[]> {
  const sam = await guest.hive('SAM');
  const names = await sam.subkeys(SAM_USER_NAMES);
  if (names === undefined) throw new SnfImageError(`${sam.label} has no key ${SAM_USER_NAMES}: the image's users cannot be told`);
  if (family === 'windows') names.push(...(await readInstalledAnswerFile(guest)).xml.localAccountNames());
  return names;
}

/**
 * Mini-setup asks for the administrator password when sysprep.inf gives
 * none, which would stop an unattended setup: give it the password (mini-setup
 * deletes C:\sysprep with sysprep.inf once it is done).
 */
async function setLegacyAdminPassword(guest: WindowsGuest, password: string): Promise<void> {
  const text = await guest.readText(SYSPREP_INF);
  if (text === undefined) throw new SnfImageError('The image has no sysprep\\sysprep.inf: InstallUnattend installs one; it did not run (excluded, overridden or under cloud-init)');
  const inf = IniFile.parse(text);
  if (inf.get('GuiUnattended', 'AdminPassword') !== undefined) return;
  inf.set('GuiUnattended', 'AdminPassword', `"${password}"`);
  inf.set('GuiUnattended', 'EncryptedAdminPassword', 'No');
  await guest.writeText(SYSPREP_INF, inf.toString());
}
