import { SnfImageError } from '../../errors.ts';

/**
 * A "last password change" of 0 makes the user change the password at first
 * login; a freshly deployed password should not expire at once, so such an
 * entry gets the day snf-image always wrote (2011-05-09).
 */
const SNF_IMAGE_LAST_CHANGE = '15103';

/**
 * Sets the password hash of `user` in shadow(5) text. The entry stays where
 * it is and keeps every other field.
 */
export function setShadowHash(shadow: string, user: string, hash: string): string {
  if (hash.includes(':') || hash.includes('\n')) throw new SnfImageError('the password hash contains ":" or a newline and cannot go into /etc/shadow');
  let found = false;
  const lines = shadow.split('\n').map((line) => {
    const fields = line.split(':');
    if (fields[0] !== user || found) return line;
    found = true;
    while (fields.length < 9) fields.push('');
    fields[1] = hash;
    if (fields[2] === '0') fields[2] = SNF_IMAGE_LAST_CHANGE;
    return fields.join(':');
  });
  if (!found) throw new SnfImageError(`User ${user} does not exist in the guest's /etc/shadow`);
  return lines.join('\n');
}
