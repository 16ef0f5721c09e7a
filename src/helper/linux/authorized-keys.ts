import { posix } from 'node:path';
import { GuestPathError, type GuestRoot } from './guest-path.ts';
import type { PasswdEntry } from './passwd-db.ts';
import { hasSshdConfig, sshdConfigValues } from './sshd-config.ts';

const DEFAULT_AUTHORIZED_KEYS = '%h/.ssh/authorized_keys';

/**
 * Where sshd in the guest looks for a user's keys: the first file of the
 * first AuthorizedKeysFile setting (the primary one; snf-image took the last,
 * which on a stock config is the deprecated authorized_keys2), with %h, %u,
 * %U and %% expanded and a relative path taken from the home directory.
 * Undefined when the setting is `none`.
 */
export async function authorizedKeysPath(guest: GuestRoot, user: PasswdEntry, warn: (message: string) => void): Promise<string | undefined> {
  let pattern = DEFAULT_AUTHORIZED_KEYS;
  if (await hasSshdConfig(guest)) {
    pattern = (await sshdConfigValues(guest, 'AuthorizedKeysFile'))[0]?.[0] ?? DEFAULT_AUTHORIZED_KEYS;
  } else {
    warn(`No /etc/ssh/sshd_config in the image; assuming AuthorizedKeysFile ${DEFAULT_AUTHORIZED_KEYS}`);
  }
  if (pattern.toLowerCase() === 'none') return undefined;
  const expanded = pattern.replace(/%([%hHuU])/g, (_token, letter: string) => {
    if (letter === '%') return '%';
    if (letter === 'h' || letter === 'H') return user.home;
    if (letter === 'u') return user.name;
    return String(user.uid);
  });
  return posix.normalize(expanded.startsWith('/') ? expanded : posix.join(user.home, expanded));
}

/**
 * Appends the keys not already there to the user's authorized keys file. A
 * directory under the user's home is the user's with mode 700 (sshd's
 * StrictModes wants that), the file the user's with mode 600. A symlink
 * between the home and the file is refused: an image with `~/.ssh -> /` would
 * otherwise have the guest's `/` chowned to the user and made private.
 */
export async function appendAuthorizedKeys(guest: GuestRoot, user: PasswdEntry, path: string, keys: readonly string[]): Promise<void> {
  const dir = posix.dirname(path);
  const home = posix.normalize(user.home);
  await refuseSymlinks(guest, user, home, path);
  if (home !== '/' && (dir === home || dir.startsWith(`${home}/`))) {
    await guest.makeDirectories(dir, { uid: user.uid, gid: user.gid, mode: 0o700 });
    if (dir !== home) {
      await guest.chown(dir, user.uid, user.gid);
      await guest.chmod(dir, 0o700);
    }
  } else {
    await guest.makeDirectories(dir, { mode: 0o755 });
  }
  const existing = new Set(((await guest.readText(path)) ?? '').split('\n').map((line) => line.trim()));
  const fresh = keys.filter((key) => !existing.has(key));
  await guest.appendText(path, fresh.map((key) => `${key}\n`).join(''), { uid: user.uid, gid: user.gid, mode: 0o600 });
}

/**
 * Every component of the keys path below the home (or, for a path outside the
 * home, the file itself) must be what it says, not a symlink elsewhere.
 */
async function refuseSymlinks(guest: GuestRoot, user: PasswdEntry, home: string, path: string): Promise<void> {
  const underHome = home !== '/' && path.startsWith(`${home}/`);
  const parts = underHome ? path.slice(home.length + 1).split('/') : [];
  const candidates = underHome ? parts.map((_part, i) => `${home}/${parts.slice(0, i + 1).join('/')}`) : [path];
  for (const candidate of candidates) {
    if (await guest.isSymlink(candidate)) {
      throw new GuestPathError(candidate, `is a symlink in the image: refusing to write the SSH keys of ${user.name} through it`);
    }
  }
}

/** The keys of an auth_keys value: one a non-empty, non-comment line. */
export function parseAuthorizedKeys(value: string): string[] {
  return value
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}
