import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { realProcesses } from '../../../src/effects/real/processes.ts';
import { qemuHasSandbox } from '../../../src/host/helper-vm/qemu-sandbox.ts';

describe('qemu sandbox support', () => {
  it("finds the seccomp sandbox, with every option the helper asks for, in Debian 12's qemu", async () => {
    assert.equal(await qemuHasSandbox(realProcesses, ['qemu-system-x86_64']), true);
  });

  it('finds none in a qemu program that refuses -sandbox', async () => {
    assert.equal(await qemuHasSandbox(realProcesses, ['qemu-img']), false);
  });
});
