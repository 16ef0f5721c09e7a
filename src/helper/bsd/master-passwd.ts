import { randomBytes } from 'node:crypto';
import { SnfImageError } from '../../errors.ts';
import type { GuestRoot } from '../linux/guest-path.ts';
import type { BsdFamily } from './bsd-task.ts';

export const MASTER_PASSWD = '/etc/master.passwd';

/**
 * Sets a user's hash in a BSD master.passwd: field 2 is the hash, field 6
 * (change) becomes 0 so the password does not expire at once; the other
 * fields stay as they are (snf-image's BSD branch of 50ChangePassword).
 */
export function setMasterPasswdHash(text: string, user: string, hash: string): string {
  if (hash.includes(':') || hash.includes('\n')) throw new SnfImageError('the password hash holds a ":" or a line break, which master.passwd cannot store');
  let found = false;
  const lines = text.split('\n').map((line) => {
    const fields = line.split(':');
    if (fields[0] !== user || fields.length !== 10) return line;
    found = true;
    fields[1] = hash;
    fields[5] = '0';
    return fields.join(':');
  });
  if (!found) throw new SnfImageError(`User ${user} does not exist in the guest's ${MASTER_PASSWD}`);
  return lines.join('\n');
}

/**
 * The BSDs log in from the databases pwd_mkdb builds (spwd.db), not from
 * master.passwd; Linux has no pwd_mkdb. As snf-image did, the stale secure
 * database is removed and rc.local is replaced, for one boot, by a script
 * that rebuilds the databases and then puts the image's own rc.local back
 * (rc sources rc.local, so the script must not exit).
 */
export async function rebuildPasswordDatabasesAtFirstBoot(guest: GuestRoot, family: BsdFamily): Promise<void> {
  await guest.remove('/etc/spwd.db');
  if (family === 'netbsd') {
    await guest.remove('/etc/pwd.db.tmp');
    await guest.remove('/etc/spwd.db.tmp');
  }
  const original = await guest.readBytes('/etc/rc.local');
  const kept = `/etc/rc.local.snf_image_${randomBytes(4).toString('hex')}`;
  if (original !== undefined) await guest.writeFile(kept, original, { mode: 0o644 });
  const restore = original !== undefined ? `mv ${kept} /etc/rc.local && . /etc/rc.local` : 'rm -f /etc/rc.local';
  await guest.writeFile(
    '/etc/rc.local',
    `# Written by snf-image: rebuild the password databases from ${MASTER_PASSWD}, which it changed,\n# once, then put back the image's own rc.local.\n/usr/sbin/pwd_mkdb -p ${MASTER_PASSWD}\n${restore}\n`,
    { mode: 0o644 },
  );
}
