import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { authorizedKeysPath, parseAuthorizedKeys } from '../../../src/helper/linux/authorized-keys.ts';
import { GuestRoot } from '../../../src/helper/linux/guest-path.ts';

const ALICE = { name: 'alice', uid: 1001, gid: 1001, home: '/home/alice' };

describe('authorizedKeysPath', () => {
  let scratch: string;
  let guest: GuestRoot;
  const sshdConfig = async (text: string) => fs.writeFile(join(scratch, 'etc/ssh/sshd_config'), text);
  const path = async () => authorizedKeysPath(guest, ALICE, () => undefined);

  beforeEach(async () => {
    scratch = await fs.mkdtemp(join(tmpdir(), 'snf-image-keys-'));
    await fs.mkdir(join(scratch, 'etc/ssh/sshd_config.d'), { recursive: true });
    guest = new GuestRoot(scratch);
  });
  afterEach(async () => fs.rm(scratch, { recursive: true, force: true }));

  it('defaults to ~/.ssh/authorized_keys, and warns without an sshd_config', async () => {
    const warnings: string[] = [];
    assert.equal(await authorizedKeysPath(guest, ALICE, (m) => warnings.push(m)), '/home/alice/.ssh/authorized_keys');
    assert.equal(warnings.length, 1);
  });

  it('takes the first file of the first setting, relative to home, with tokens expanded', async () => {
    await sshdConfig('# AuthorizedKeysFile /ignored\nAuthorizedKeysFile keys/%u.%U.100%% .ssh/authorized_keys2\nAuthorizedKeysFile /later\n');
    assert.equal(await path(), '/home/alice/keys/alice.1001.100%');
  });

  it('reads included files first where the Include comes first, and skips Match blocks', async () => {
    await sshdConfig('Include /etc/ssh/sshd_config.d/*.conf\nMatch User bob\n  AuthorizedKeysFile /bob\n');
    await fs.writeFile(join(scratch, 'etc/ssh/sshd_config.d/10-keys.conf'), 'authorizedkeysfile=%h/.keys\n');
    assert.equal(await path(), '/home/alice/.keys');
  });

  it('gives none when sshd reads no keys files', async () => {
    await sshdConfig('AuthorizedKeysFile none\n');
    assert.equal(await path(), undefined);
  });

  it('keeps the key lines of auth_keys', () => {
    assert.deepEqual(parseAuthorizedKeys('\nssh-ed25519 AAA a\n# comment\r\n  ssh-rsa BBB b  \n'), ['ssh-ed25519 AAA a', 'ssh-rsa BBB b']);
  });
});
