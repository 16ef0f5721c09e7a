import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { childEnvironment } from '../../src/effects/child-environment.ts';
import { realProcesses } from '../../src/effects/real/processes.ts';

describe('child environment', () => {
  it('gives a program PATH and locale, and none of our other variables', async () => {
    process.env.OSP_IMG_PASSWD = 'inherited-secret';
    try {
      const { stdout } = await realProcesses.run('env', [], { env: { ASKED_FOR: 'yes' } });
      const names = stdout.split('\n').filter(Boolean).map((line) => line.split('=')[0] ?? '');
      assert.ok(!stdout.includes('inherited-secret'));
      assert.ok(names.includes('PATH') && names.includes('ASKED_FOR'));
      assert.ok(names.every((name) => ['PATH', 'LANG', 'LC_ALL', 'TMPDIR', 'ASKED_FOR'].includes(name) || /_proxy$/i.test(name)), names.join(' '));
    } finally {
      delete process.env.OSP_IMG_PASSWD;
    }
  });

  it('falls back to the standard PATH when we have none', () => {
    assert.deepEqual(childEnvironment({}, { OSP_AUTH_KEYS: 'k', LANG: 'C.UTF-8' }), { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' });
  });
});
