import { SnfImageError } from '../../errors.ts';
import { appendAuthorizedKeys, authorizedKeysPath, parseAuthorizedKeys } from '../linux/authorized-keys.ts';
import { SEED_DIR, ensureSeedDir, writeCloudConfig, writePerOnceScript, yamlString } from '../linux/cloud-init.ts';
import { hashPassword, parseHashingMethod } from '../linux/crypt/password-hash.ts';
import { mountedTask } from '../linux/mounted-task.ts';
import { readGuestUsers } from '../linux/passwd-db.ts';
import { setShadowHash } from '../linux/shadow.ts';
import { envFlag, envSecretText, envText, guestRoot } from '../linux/task-env.ts';
import type { GuestRoot } from '../linux/guest-path.ts';
import type { Task, TaskContext } from '../task.ts';
import { OS_FAMILIES, UNIX_FAMILIES } from '../../../machines/helper/task-declaration.ts';
import { bsdFamily, isBsdFamily } from '../bsd/bsd-task.ts';
import { MASTER_PASSWD, rebuildPasswordDatabasesAtFirstBoot, setMasterPasswdHash } from '../bsd/master-passwd.ts';

const NAME = 'ChangePassword';
const PRIORITY = 50;

/**
 * Sets the password of the image's users (USERS, default root) in the guest's
 * /etc/shadow (/etc/master.passwd on the BSDs) and adds auth_keys to their authorized keys (snf-image's
 * 50ChangePassword). img_passwd is hashed here in the helper; img_passwd_hash
 * is written as given.
 */
export const changePassword: Task = mountedTask({
  name: NAME,
  priority: PRIORITY,
  families: UNIX_FAMILIES,
  askedFor: { families: OS_FAMILIES, whenSet: ['PASSWD', 'PASSWD_HASH', 'AUTH_KEYS'] },
  async run(ctx) {
    // An empty img_passwd sets no password: it would let anyone log in.
    const password = nonEmpty(envSecretText(ctx.env, 'PASSWD'));
    const givenHash = nonEmpty(envSecretText(ctx.env, 'PASSWD_HASH'));
    const keys = parseAuthorizedKeys(envSecretText(ctx.env, 'AUTH_KEYS')?.reveal() ?? '');
    if (!password && !givenHash && keys.length === 0) {
      ctx.warn('No password and no authorized keys given: the users are left as they are');
      return;
    }
    const users = usersToChange(ctx);
    const guest = guestRoot(ctx.env);
    const hash = givenHash ? givenHash.reveal() : password ? await hashPassword(hashingMethod(ctx), password.reveal(), ctx.processes) : undefined;
    if (givenHash && !/^[$!*]/.test(givenHash.reveal())) {
      ctx.warn('img_passwd_hash does not look like a crypt(3) hash; it is written as given');
    }
    if (envFlag(ctx, 'PROPERTY_CLOUD_INIT')) {
      await configureCloudInit(ctx, guest, users, hash, keys);
      return;
    }
    if (hash !== undefined) await (isBsdFamily(ctx) ? setBsdHashes(ctx, guest, users, hash) : setHashes(guest, users, hash));
    if (keys.length > 0) await addKeys(ctx, guest, users, keys);
  },
});

function nonEmpty(value: { reveal(): string } | undefined): { reveal(): string } | undefined {
  return value && value.reveal() !== '' ? value : undefined;
}

function usersToChange(ctx: TaskContext): string[] {
  const users = (envText(ctx.env, 'PROPERTY_USERS') ?? '').trim().split(/\s+/).filter(Boolean);
  if (users.length > 0) return users;
  ctx.warn('No USERS property: changing the password of root');
  return ['root'];
}

/** Each family's own default hash (snf-image's): what its crypt(3) and login accept out of the box. */
const DEFAULT_METHOD: Readonly<Record<string, string>> = { openbsd: 'blowfish', netbsd: 'sha1' };

function hashingMethod(ctx: TaskContext) {
  return parseHashingMethod(envText(ctx.env, 'PROPERTY_PASSWD_HASHING_METHOD') || DEFAULT_METHOD[envText(ctx.env, 'PROPERTY_OSFAMILY') ?? ''] || 'sha512');
}

async function setBsdHashes(ctx: TaskContext, guest: GuestRoot, users: readonly string[], hash: string): Promise<void> {
  const master = await guest.readText(MASTER_PASSWD);
  if (master === undefined) throw new SnfImageError(`The guest has no ${MASTER_PASSWD} (or it leads to a file that is not in the guest)`);
  await guest.writeFile(MASTER_PASSWD, users.reduce((text, user) => setMasterPasswdHash(text, user, hash), master), { mode: 0o600 });
  await rebuildPasswordDatabasesAtFirstBoot(guest, bsdFamily(ctx));
  ctx.warn(`The password is in ${MASTER_PASSWD}; the guest rebuilds its password databases from it at first boot (pwd_mkdb in /etc/rc.local)`);
}

async function setHashes(guest: GuestRoot, users: readonly string[], hash: string): Promise<void> {
  const shadow = await guest.readText('/etc/shadow');
  if (shadow === undefined) throw new SnfImageError('The guest has no /etc/shadow (or it leads to a file that is not in the guest)');
  await guest.writeFile('/etc/shadow', users.reduce((text, user) => setShadowHash(text, user, hash), shadow));
}

async function addKeys(ctx: TaskContext, guest: GuestRoot, users: readonly string[], keys: readonly string[]): Promise<void> {
  const passwd = await readGuestUsers(guest);
  for (const name of users) {
    const user = passwd.get(name);
    if (!user) throw new SnfImageError(`User ${name} does not exist in the guest's /etc/passwd`);
    const path = await authorizedKeysPath(guest, user, (message) => ctx.warn(message));
    if (path === undefined) {
      ctx.warn(`sshd in the guest reads no authorized keys files (AuthorizedKeysFile none): no keys added for ${name}`);
      continue;
    }
    await appendAuthorizedKeys(guest, user, path, keys);
  }
}

/**
 * Under cloud-init the guest sets the password and keys at first boot. The
 * password reaches it already hashed, never in plain text, and the config
 * holding it deletes itself after that boot.
 */
async function configureCloudInit(ctx: TaskContext, guest: GuestRoot, users: readonly string[], hash: string | undefined, keys: readonly string[]): Promise<void> {
  let config = '';
  if (keys.length > 0) {
    await ensureSeedDir(guest);
    const list = keys.map((key) => `  - ${yamlString(key)}\n`).join('');
    await guest.appendText(`${SEED_DIR}/meta-data`, `public-keys:\n${list}`, { mode: 0o600 });
    // The keys open root's account, as without cloud-init; distributions'
    // default disable_root would instead prefix root's copy with a command
    // that only says which user to log in as.
    config += 'disable_root: false\n';
  }
  if (hash !== undefined) {
    const entries = users.map((user) => `    - ${yamlString(`${user}:${hash}`)}\n`).join('');
    config += `ssh_pwauth: true\nchpasswd:\n  expire: false\n  list:\n${entries}`;
  }
  if (config === '') return;
  const path = await writeCloudConfig(guest, PRIORITY, NAME, config);
  await writePerOnceScript(guest, `rm_98_snf-image-${PRIORITY}${NAME}.sh`, `rm -f '${path}'\n`, envFlag(ctx, 'CLOUD_INIT_DEBUG'));
}
