import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { md5Crypt } from '../../../src/helper/linux/crypt/md5-crypt.ts';
import { parseHashingMethod } from '../../../src/helper/linux/crypt/password-hash.ts';
import { sha1Crypt } from '../../../src/helper/linux/crypt/sha1-crypt.ts';
import { shaCrypt } from '../../../src/helper/linux/crypt/sha-crypt.ts';

/** The system's crypt(3) (libxcrypt, through perl) for a given setting; the password goes on stdin. */
function systemCrypt(password: string, setting: string): string {
  return execFileSync('perl', ['-e', 'local $/; my $p = <STDIN>; print crypt($p, $ARGV[0])', setting], { input: password, encoding: 'utf8' });
}

const PASSWORDS = ['', 'a', 'password', 'pässwörd with spaces', 'x'.repeat(100), 'tab\tand:colon'];

describe('crypt implementations', () => {
  it('SHA-512 crypt matches the specification\'s test vectors', () => {
    assert.equal(shaCrypt('sha512', 'Hello world!', 'saltstring'), '$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1');
    assert.equal(shaCrypt('sha512', 'Hello world!', 'saltstringsaltstring', 10000), '$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.');
    assert.equal(shaCrypt('sha256', 'Hello world!', 'saltstring'), '$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5');
  });

  for (const password of PASSWORDS) {
    it(`agrees with the system's crypt(3) for ${JSON.stringify(password.slice(0, 20))}`, () => {
      for (const hash of [shaCrypt('sha512', password), shaCrypt('sha256', password), md5Crypt(password), sha1Crypt(password, 'abcdefgh', 1000)]) {
        assert.equal(systemCrypt(password, hash), hash);
      }
    });
  }

  it('draws a fresh salt each time', () => {
    assert.notEqual(shaCrypt('sha512', 'same'), shaCrypt('sha512', 'same'));
  });

  it('accepts the methods snf-image knows and yescrypt, and refuses others by name', () => {
    assert.equal(parseHashingMethod('SHA512'), 'sha512');
    assert.equal(parseHashingMethod('yescrypt'), 'yescrypt');
    assert.throws(() => parseHashingMethod('des'), /PASSWD_HASHING_METHOD "des" is not supported: use one of md5, sha1, blowfish, sha256, sha512, yescrypt/);
  });
});
