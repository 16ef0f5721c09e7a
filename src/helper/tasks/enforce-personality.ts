import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { SnfImageError } from '../../errors.ts';
import { writePerOnceScript } from '../linux/cloud-init.ts';
import type { GuestRoot } from '../linux/guest-path.ts';
import { mountedTask } from '../linux/mounted-task.ts';
import { readGuestGroups, readGuestUsers } from '../linux/passwd-db.ts';
import { parsePersonality, type PersonalityFile } from '../linux/personality.ts';
import { envFlag, envSecretText, guestRoot } from '../linux/task-env.ts';
import type { Task } from '../task.ts';
import { OS_FAMILIES } from '../../../machines/helper/task-declaration.ts';
import { injectWindowsFiles } from '../windows/inject-files.ts';
import { isWindowsFamily } from '../windows/windows-task.ts';

/** Where injected files wait for cloud-init's first boot. */
const PENDING_DIR = '/var/lib/cloud/scripts/per-once';

/**
 * Writes the img_personality files into the guest with the owner, group and
 * mode asked for, names resolved against the guest's own passwd and group
 * (snf-image's 60EnforcePersonality). It runs after the other tasks, so its
 * files win over theirs. On Windows the files are written as inject-files.py
 * wrote them there (src/helper/windows/inject-files.ts).
 */
export const enforcePersonality: Task = mountedTask({
  name: 'EnforcePersonality',
  priority: 60,
  families: OS_FAMILIES,
  askedFor: { families: OS_FAMILIES, whenSet: ['PERSONALITY'] },
  async run(ctx) {
    const json = envSecretText(ctx.env, 'PERSONALITY')?.reveal().trim();
    if (!json) {
      ctx.warn('This image has no personality (0 files to inject)');
      return;
    }
    const files = parsePersonality(json);
    const guest = guestRoot(ctx.env);
    if (isWindowsFamily(ctx)) {
      await injectWindowsFiles(ctx, guest, files);
      return;
    }
    if (envFlag(ctx, 'PROPERTY_CLOUD_INIT')) {
      await stageForFirstBoot(guest, files, envFlag(ctx, 'CLOUD_INIT_DEBUG'));
      return;
    }
    const users = await readGuestUsers(guest);
    const groups = await readGuestGroups(guest);
    for (const file of files) {
      const uid = file.owner === undefined ? 0 : users.get(file.owner)?.uid;
      if (uid === undefined) throw new SnfImageError(`File owner ${file.owner} of ${file.path} does not exist in the guest's /etc/passwd`);
      const gid = file.group === undefined ? 0 : groups.get(file.group);
      if (gid === undefined) throw new SnfImageError(`File group ${file.group} of ${file.path} does not exist in the guest's /etc/group`);
      // New parent directories as inject-files did: 0750, owned like the file.
      await guest.makeDirectories(posix.dirname(file.path), { uid, gid, mode: 0o750 });
      await guest.writeFile(file.path, file.contents, { uid, gid, mode: file.mode });
    }
  },
});

/**
 * Under cloud-init the users may not exist yet: the files wait in the guest
 * and a first-boot script installs them with the guest's own `install`, so
 * names resolve there.
 */
async function stageForFirstBoot(guest: GuestRoot, files: readonly PersonalityFile[], debug: boolean): Promise<void> {
  const id = randomBytes(6).toString('hex');
  const dir = `${PENDING_DIR}/snf-image-files-${id}`;
  await guest.makeDirectories(PENDING_DIR);
  await guest.makeDirectories(dir, { mode: 0o700 });
  const lines = ['set -e'];
  for (const [index, file] of files.entries()) {
    await guest.writeFile(`${dir}/${index}`, file.contents, { mode: 0o600 });
    const owner = file.owner ? ` -o ${shellQuote(file.owner)}` : '';
    const group = file.group ? ` -g ${shellQuote(file.group)}` : '';
    lines.push(`mkdir -p ${shellQuote(posix.dirname(file.path))}`);
    lines.push(`install${owner}${group} -m ${file.mode.toString(8).padStart(4, '0')} ${shellQuote(`${dir}/${index}`)} ${shellQuote(file.path)}`);
  }
  lines.push(`rm -rf ${shellQuote(dir)}`, 'rm -f "$0"', '');
  await writePerOnceScript(guest, `inject_files-${id}.sh`, lines.join('\n'), debug);
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
