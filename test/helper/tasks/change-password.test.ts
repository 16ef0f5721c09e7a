import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { Secret } from '../../../src/effects/secret.ts';
import { HASHING_METHODS } from '../../../src/helper/linux/crypt/password-hash.ts';
import { changePassword } from '../../../src/helper/tasks/change-password.ts';
import { cryptVerifies } from './support/crypt-check.ts';
import { FAMILIES, FAMILY_TREES } from './support/family-trees.ts';
import { familyRoot } from './support/family-root.ts';
import { assertGolden } from './support/golden.ts';
import { copyDebianTree, removeScratch, scratchDir, writeTree } from './support/guest-trees.ts';
import { assertUntouched, outsideVictim } from './support/hostile.ts';
import { runTaskOn } from './support/run-task.ts';
import { taskContext } from './support/task-context.ts';

const PASSWORD = 'cörrect horse: battery $taple';
const KEYS = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKeyOne alice@laptop\n\nssh-rsa AAAAB3NzaC1yc2EAAAADAQABKeyTwo bob@desk\n';
const scratches: string[] = [];
afterEach(async () => Promise.all(scratches.splice(0).map(removeScratch)));

async function redhatTree(): Promise<string> {
  const scratch = await scratchDir('passwd-redhat');
  scratches.push(scratch);
  const root = join(scratch, 'root');
  await writeTree(root, FAMILY_TREES.redhat);
  return root;
}

async function shadowHash(root: string, user: string): Promise<string> {
  const line = (await fs.readFile(join(root, 'etc/shadow'), 'utf8')).split('\n').find((l) => l.startsWith(`${user}:`));
  return line?.split(':')[1] ?? '';
}

/** Hashes are salted at random: the golden names the method, the test checks the hash itself. */
function normalizeHashes(_path: string, text: string): string {
  const day = (value: string) => (value === '' ? '' : '<day>');
  return text
    .replace(/^([^:\n]+):(\$[^:\n]+):(\d*):/gm, (_m, user: string, hash: string, last: string) => `${user}:<${hash.split('$')[1]} hash>:${day(last)}:`)
    .replace(/^([^:\n]+):([^:$\n]*):(\d*):/gm, (_m, user: string, field: string, last: string) => `${user}:${field}:${day(last)}:`);
}

describe('ChangePassword on a Debian 12 guest', () => {
  let root: string;
  before(async () => {
    root = (await copyDebianTree()).root;
  });
  after(async () => removeScratch(join(root, '..')));

  it('hashes img_passwd with SHA-512 crypt by default, editing only root\'s password field', async () => {
    const run = await runTaskOn(changePassword, root, { PASSWD: new Secret(PASSWORD) }, normalizeHashes);
    await assertGolden('change-password/debian', run.report);
    const hash = await shadowHash(root, 'root');
    assert.match(hash, /^\$6\$/);
    assert.ok(cryptVerifies(PASSWORD, hash), 'libxcrypt verifies the SHA-512 hash');
    assert.deepEqual(run.warnings, ['No USERS property: changing the password of root']);
  });

  for (const method of HASHING_METHODS) {
    it(`writes a ${method} hash that libxcrypt verifies`, async () => {
      // No before/after snapshot here: the golden above covers the file, this the hash.
      const { ctx } = taskContext({ TARGET: root, PASSWD: new Secret(PASSWORD), PROPERTY_USERS: 'root', PROPERTY_PASSWD_HASHING_METHOD: method });
      await changePassword.run(ctx);
      const hash = await shadowHash(root, 'root');
      assert.ok(cryptVerifies(PASSWORD, hash), `${hash} verifies`);
      assert.ok(!cryptVerifies('wrong password', hash));
    });
  }

  it('writes img_passwd_hash as given', async () => {
    const given = '$6$abcdefgh$zv8Qe0gJb0ZSFsHV0cLI2F0wL7XYZ5Pc3mQHRZcbF3wK5HqC7fG6u0S3iT8wNf1FJq9c2s2sPz2Y3o1K6u3aB.';
    await runTaskOn(changePassword, root, { PASSWD_HASH: new Secret(given), PROPERTY_USERS: 'root' });
    assert.equal(await shadowHash(root, 'root'), given);
  });

  it('appends auth_keys where sshd_config.d says, expanding %h, %u and %%', async () => {
    await fs.writeFile(join(root, 'etc/ssh/sshd_config.d/keys.conf'), 'AuthorizedKeysFile /etc/ssh/keys/%u/100%%.keys %h/.ssh/authorized_keys\n');
    try {
      const run = await runTaskOn(changePassword, root, { AUTH_KEYS: new Secret(KEYS), PROPERTY_USERS: 'root' });
      await assertGolden('change-password/debian-authorized-keys-file', run.report);
    } finally {
      await fs.rm(join(root, 'etc/ssh/sshd_config.d/keys.conf'));
    }
  });

  it('fails naming a user the guest does not have', async () => {
    await assert.rejects(runTaskOn(changePassword, root, { PASSWD: new Secret(PASSWORD), PROPERTY_USERS: 'root nosuchuser' }), /User nosuchuser does not exist/);
  });

  it('refuses PASSWD_HASHING_METHOD none, which would store the password in plain text', async () => {
    await assert.rejects(runTaskOn(changePassword, root, { PASSWD: new Secret(PASSWORD), PROPERTY_PASSWD_HASHING_METHOD: 'none' }), /plain text/);
  });
});

describe('ChangePassword on every family', () => {
  for (const family of FAMILIES) {
    it(`sets root's password and keys on a ${family} guest`, async () => {
      const { root, scratch } = await familyRoot(family);
      scratches.push(scratch);
      const run = await runTaskOn(changePassword, root, { PASSWD: new Secret(PASSWORD), AUTH_KEYS: new Secret(KEYS) }, normalizeHashes);
      await assertGolden(`change-password/family-${family}`, run.report);
      assert.ok(cryptVerifies(PASSWORD, await shadowHash(root, 'root')));
    });
  }
});

describe('ChangePassword on a RedHat guest', () => {
  it('sets the password of every USERS user and gives each the keys, with modes 700/600 and their ownership', async () => {
    const root = await redhatTree();
    const run = await runTaskOn(changePassword, root, { PASSWD: new Secret(PASSWORD), AUTH_KEYS: new Secret(KEYS), PROPERTY_USERS: ' root  centos ' }, normalizeHashes);
    await assertGolden('change-password/redhat', run.report);
    for (const user of ['root', 'centos']) assert.ok(cryptVerifies(PASSWORD, await shadowHash(root, user)));
    const stats = await fs.stat(join(root, 'etc/shadow'));
    assert.equal(stats.mode & 0o7777, 0, '/etc/shadow keeps its mode 0000');
  });

  it('does not add a key twice', async () => {
    const root = await redhatTree();
    await runTaskOn(changePassword, root, { AUTH_KEYS: new Secret(KEYS), PROPERTY_USERS: 'centos' });
    await runTaskOn(changePassword, root, { AUTH_KEYS: new Secret(KEYS), PROPERTY_USERS: 'centos' });
    const keys = await fs.readFile(join(root, 'home/centos/.ssh/authorized_keys'), 'utf8');
    assert.equal(keys.split('\n').filter(Boolean).length, 2);
  });

  it('warns and adds no keys when sshd reads none (AuthorizedKeysFile none)', async () => {
    const root = await redhatTree();
    await fs.writeFile(join(root, 'etc/ssh/sshd_config'), 'AuthorizedKeysFile none\n');
    const run = await runTaskOn(changePassword, root, { AUTH_KEYS: new Secret(KEYS), PROPERTY_USERS: 'centos' });
    assert.equal(run.changes.length, 0);
    assert.match(run.warnings.join('\n'), /AuthorizedKeysFile none/);
  });

  it('hands cloud-init a hashed password and the keys under cloud-init', async () => {
    const root = await redhatTree();
    const run = await runTaskOn(changePassword, root, { PASSWD: new Secret(PASSWORD), AUTH_KEYS: new Secret(KEYS), PROPERTY_USERS: 'centos', PROPERTY_CLOUD_INIT: 'yes' }, (_p, text) => text.replace(/\$6\$[^"]+/g, '<sha512 hash>'));
    await assertGolden('change-password/cloud-init', run.report);
    assert.ok(!run.report.includes(PASSWORD));
  });

  it('lets the keys open root under cloud-init with no password, and sets none', async () => {
    const root = await redhatTree();
    await runTaskOn(changePassword, root, { PASSWD: new Secret(''), AUTH_KEYS: new Secret(KEYS), PROPERTY_CLOUD_INIT: 'yes' });
    const config = await fs.readFile(join(root, 'etc/cloud/cloud.cfg.d/98_snf-image-50ChangePassword.cfg'), 'utf8');
    assert.equal(config, 'disable_root: false\n');
    const metaData = await fs.readFile(join(root, 'var/lib/cloud/seed/nocloud-net/meta-data'), 'utf8');
    assert.match(metaData, /^public-keys:\n {2}- "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKeyOne alice@laptop"\n {2}- "ssh-rsa /m);
  });

  it('warns and changes nothing without a password or keys', async () => {
    const root = await redhatTree();
    const run = await runTaskOn(changePassword, root, { PASSWD: new Secret(''), AUTH_KEYS: new Secret('\n') });
    assert.equal(run.changes.length, 0);
    assert.equal(run.warnings.length, 1);
  });

  for (const how of ['absolute', 'climbing'] as const) {
    it(`never writes outside the guest through an ${how} /etc/shadow symlink`, async () => {
      const root = await redhatTree();
      const victim = await outsideVictim(join(root, '..'));
      await fs.rm(join(root, 'etc/shadow'));
      await fs.symlink(victim[how], join(root, 'etc/shadow'));
      const error = await runTaskOn(changePassword, root, { PASSWD: new Secret(PASSWORD) }).then(() => undefined, (e: Error) => e);
      assert.match(String(error?.message), /no \/etc\/shadow/);
      assert.ok(!String(error?.message).includes(PASSWORD));
      await assertUntouched(victim);
    });

    it(`never writes outside the guest through an ${how} authorized_keys symlink`, async () => {
      const root = await redhatTree();
      const victim = await outsideVictim(join(root, '..'));
      await fs.mkdir(join(root, 'home/centos/.ssh'));
      await fs.symlink(victim[how], join(root, 'home/centos/.ssh/authorized_keys'));
      await assert.rejects(runTaskOn(changePassword, root, { AUTH_KEYS: new Secret(KEYS), PROPERTY_USERS: 'centos' }), /authorized_keys: is a symlink in the image: refusing to write the SSH keys of centos through it/);
      await assertUntouched(victim);
    });
  }

  for (const [user, target] of [['root', '/'], ['centos', '/'], ['centos', '/etc']] as const) {
    it(`refuses a ~/.ssh of ${user} that is a symlink to ${target}, leaving ${target} as it was`, async () => {
      const root = await redhatTree();
      const home = user === 'root' ? 'root' : `home/${user}`;
      await fs.mkdir(join(root, home), { recursive: true });
      await fs.rm(join(root, home, '.ssh'), { recursive: true, force: true });
      await fs.symlink(target, join(root, home, '.ssh'));
      const before = await fs.stat(join(root, target));
      await assert.rejects(
        runTaskOn(changePassword, root, { AUTH_KEYS: new Secret(KEYS), PROPERTY_USERS: user }),
        new RegExp(`guest path /${home}/.ssh: is a symlink in the image: refusing to write the SSH keys of ${user} through it`),
      );
      const after = await fs.stat(join(root, target));
      assert.deepEqual([after.mode, after.uid, after.gid], [before.mode, before.uid, before.gid], `${target} keeps its mode and owner`);
      await assert.rejects(fs.access(join(root, target, 'authorized_keys')), 'no authorized_keys was written there');
    });
  }
});
