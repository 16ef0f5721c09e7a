import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { ensureHelperImage } from '../../../src/helper-image/build.ts';
import { probeBoot, type ProbeBootSpec } from '../../../src/host/helper-vm/kvm-probe.ts';
import { PROBE_LINE, probeInitramfs } from '../../../src/host/helper-vm/probe-initramfs.ts';
import { createLogger } from '../../../src/log.ts';

const STAND_IN = resolve('test/fixtures/stand-in-qemu.sh');

/** The processes still running whose command line contains `marker`. */
async function running(marker: string): Promise<string[]> {
  const { stdout } = await promisify(execFile)('ps', ['-eo', 'pid=,args=']);
  return stdout.split('\n').filter((line) => line.includes(marker) && !line.includes('ps -eo'));
}

describe('accelerator probe', () => {
  let dir: string;
  /** A stand-in qemu playing one host's KVM (test/fixtures/stand-in-qemu.sh), as QEMU names it. */
  const standIn = (scenario: string) => [STAND_IN, scenario, join(dir, 'stand-in')];
  const spec = (qemu: readonly string[], overrides: Partial<ProbeBootSpec> = {}): ProbeBootSpec => ({
    qemu, accelerator: 'kvm', machine: 'microvm', kernel: join(dir, 'kernel'), memoryMiB: 512, timeoutMs: 2000, ...overrides,
  });
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kvm-probe-test-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('makes an initramfs the kernel can unpack: /dev/console and an executable /init', async () => {
    const cpio = join(dir, 'probe.cpio');
    await writeFile(cpio, probeInitramfs());
    const { stdout } = await promisify(execFile)('cpio', ['-itv', '-F', cpio]);
    assert.match(stdout, /^crw------- .* 5, +1 .* dev\/console$/m);
    assert.match(stdout, /^-rwxr-xr-x .* init$/m);
  });

  it('boots the real helper kernel to its init under TCG, as the helper will run', { timeout: 30 * 60_000 }, async () => {
    const helperDir = await ensureHelperImage({ log: createLogger('warn') });
    const outcome = await probeBoot(spec(['qemu-system-x86_64'], { accelerator: 'tcg', kernel: join(helperDir, 'kernel'), timeoutMs: 120_000 }));
    assert.deepEqual({ boots: outcome.boots, reason: outcome.reason }, { boots: true, reason: 'the helper kernel ran the probe init' });
  });

  it('says no, quoting qemu, when qemu aborts at once under KVM', async () => {
    const outcome = await probeBoot(spec(standIn('kvm-aborts')));
    assert.equal(outcome.boots, false);
    assert.equal(outcome.reason, "qemu ended (SIGABRT) before the probe's init ran: qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69");
  });

  it('says no after its time limit when qemu spins silently under KVM, and leaves nothing running', async () => {
    const outcome = await probeBoot(spec(standIn('kvm-hangs'), { timeoutMs: 1500 }));
    assert.equal(outcome.boots, false);
    assert.equal(outcome.reason, "no sign of the probe's init within 1.5 s");
    assert.ok(outcome.ms >= 1500 && outcome.ms < 5000, `${outcome.ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(await running(`${STAND_IN} kvm-hangs`), []);
  });

  it(`says yes when the init writes "${PROBE_LINE}" or exits through isa-debug-exit`, async () => {
    const outcome = await probeBoot(spec(standIn('kvm-works')));
    assert.equal(outcome.boots, true);
  });

  it('says no when qemu cannot start', async () => {
    const outcome = await probeBoot(spec(['/nonexistent/qemu']));
    assert.equal(outcome.boots, false);
    assert.equal(outcome.reason, 'qemu did not start: /nonexistent/qemu not found');
  });
});
