import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { md5Crypt } from '../../../src/helper/linux/crypt/md5-crypt.ts';
import { realProcesses } from '../../../src/effects/real/processes.ts';
import { hashPassword, parseHashingMethod } from '../../../src/helper/linux/crypt/password-hash.ts';
import { sha1Crypt } from '../../../src/helper/linux/crypt/sha1-crypt.ts';
import { systemCrypt as helperCrypt, SystemCryptRefused } from '../../../src/helper/linux/crypt/system-crypt.ts';

/** The system's crypt(3) (libxcrypt, through perl) for a given setting; the password goes on stdin. */
function systemCrypt(password: string, setting: string): string {
  return execFileSync('perl', ['-e', 'local $/; my $p = <STDIN>; print crypt($p, $ARGV[0])', setting], { input: password, encoding: 'utf8' });
}

const PASSWORDS = ['', 'a', 'password', 'pässwörd with spaces', 'x'.repeat(100), 'tab\tand:colon'];

describe('crypt implementations', () => {
  it('SHA-crypt hashes are libxcrypt\'s, with a fresh 16-character salt', async () => {
    const sha512 = await hashPassword('sha512', 'Hello world!', realProcesses);
    const sha256 = await hashPassword('sha256', 'Hello world!', realProcesses);
    assert.match(sha512, /^\$6\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{86}$/);
    assert.match(sha256, /^\$5\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{43}$/);
    assert.notEqual(await hashPassword('sha512', 'Hello world!', realProcesses), sha512);
  });

  it('passes the password to crypt(3) as it is, whatever characters it holds', async () => {
    // The specification's test vector, then passwords a command line or a shell would mangle.
    assert.equal(await helperCrypt(realProcesses, 'Hello world!', '$6$saltstring'), '$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1');
    for (const password of PASSWORDS) assert.equal(await helperCrypt(realProcesses, password, '$6$saltstring'), systemCrypt(password, '$6$saltstring'));
  });

  it('refuses a method the system crypt(3) does not know, naming it', async () => {
    await assert.rejects(helperCrypt(realProcesses, 'x', '$9$saltstring'), (error: Error) => error instanceof SystemCryptRefused && /"\$9\$" hashes/.test(error.message));
  });

  for (const password of PASSWORDS) {
    it(`agrees with the system's crypt(3) for ${JSON.stringify(password.slice(0, 20))}`, () => {
      for (const hash of [md5Crypt(password), sha1Crypt(password, 'abcdefgh', 1000)]) {
        assert.equal(systemCrypt(password, hash), hash);
      }
    });
  }

  it('accepts the methods snf-image knows and yescrypt, and refuses others by name', () => {
    assert.equal(parseHashingMethod('SHA512'), 'sha512');
    assert.equal(parseHashingMethod('yescrypt'), 'yescrypt');
    assert.throws(() => parseHashingMethod('des'), /PASSWD_HASHING_METHOD "des" is not supported: use one of md5, sha1, blowfish, sha256, sha512, yescrypt/);
  });
});
