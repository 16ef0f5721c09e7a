import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProgramNotFound } from '../../src/effects/processes.ts';
import { realProcesses } from '../../src/effects/real/processes.ts';

describe('running a program that is not there', () => {
  it('names a program missing from PATH', async () => {
    await assert.rejects(realProcesses.run('snf-image-no-such-program', ['--flag']), (error: Error) => {
      assert.ok(error instanceof ProgramNotFound);
      assert.equal(error.message, 'snf-image-no-such-program was not found on PATH: install it on this node (scripts/debian-packages.txt lists what snf-image runs)');
      return true;
    });
  });

  it('names a path that does not exist, and the setting that may have named it', async () => {
    await assert.rejects(realProcesses.run('/nonexistent/qemu-system-x86_64', ['--version']), {
      name: 'ProgramNotFound',
      message: '/nonexistent/qemu-system-x86_64 does not exist: install it, or correct the configuration setting that names it',
    });
  });
});
