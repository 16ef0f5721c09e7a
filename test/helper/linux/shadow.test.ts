import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { setShadowHash } from '../../../src/helper/linux/shadow.ts';

describe('setShadowHash', () => {
  const SHADOW = 'root:*:19000:0:99999:7:::\nalice:!:19001:1:90:14:30:20000:\nbob:x:0:0:99999:7:::\n';

  it('changes only the password field of the user, in place', () => {
    assert.equal(setShadowHash(SHADOW, 'alice', '$6$s$h'), 'root:*:19000:0:99999:7:::\nalice:$6$s$h:19001:1:90:14:30:20000:\nbob:x:0:0:99999:7:::\n');
  });

  it('does not leave a forced password change (last change 0) on a password just set', () => {
    assert.match(setShadowHash(SHADOW, 'bob', '$6$s$h'), /^bob:\$6\$s\$h:15103:0:99999:7:::$/m);
  });

  it('names a user that is not there, and refuses a hash that would break the file', () => {
    assert.throws(() => setShadowHash(SHADOW, 'carol', '$6$s$h'), /User carol does not exist/);
    assert.throws(() => setShadowHash(SHADOW, 'root', 'a:b'), /contains ":"/);
  });
});
