import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bootsUnder, chooseAccelerator, kvmWorks } from '../../../src/host/helper-vm/kvm-probe.ts';

const qemu = 'qemu-system-x86_64';

describe('KVM probe', () => {
  it('boots its probe under TCG, so a "no" for KVM is about KVM', async () => {
    assert.equal(await bootsUnder(qemu, 'tcg', 10_000), true);
  });

  it('answers no on these machines, whose /dev/kvm opens but cannot run a real guest', async () => {
    assert.equal(await kvmWorks({ qemu }), false);
    assert.equal(await chooseAccelerator('auto', { qemu }), 'tcg');
  });

  it('answers no without a usable KVM device, without starting qemu', async () => {
    assert.equal(await kvmWorks({ qemu: '/nonexistent/qemu', kvmDevice: '/nonexistent/kvm' }), false);
  });

  it('answers no when qemu cannot start', async () => {
    assert.equal(await bootsUnder('/nonexistent/qemu', 'tcg', 1000), false);
  });

  it('probes once per process', async () => {
    assert.equal(kvmWorks({ qemu }), kvmWorks({ qemu }));
  });

  it('lets HELPER_ACCEL override the probe', async () => {
    assert.equal(await chooseAccelerator('kvm', { qemu: '/nonexistent/qemu' }), 'kvm');
    assert.equal(await chooseAccelerator('tcg', { qemu }), 'tcg');
  });
});
