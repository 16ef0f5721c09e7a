import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { pino } from 'pino';
import { createAcceleratorChoice, type AcceleratorChoiceOptions } from '../../../src/host/helper-vm/accelerator-choice.ts';
import type { ProbeBootSpec, ProbeOutcome } from '../../../src/host/helper-vm/kvm-probe.ts';
import type { AcceleratorQuestion } from '../../../machines/host/plan.ts';

describe('accelerator choice', () => {
  let dir: string;
  let options: AcceleratorChoiceOptions;
  let probes: ProbeBootSpec[];
  let probeAnswer: ProbeOutcome;
  let question: AcceleratorQuestion;
  const log = pino({ level: 'silent' });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'accelerator-choice-test-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));
  beforeEach(async () => {
    const run = await mkdtemp(join(dir, 'run-'));
    await mkdir(join(run, 'helper'));
    await writeFile(join(run, 'helper', 'kernel'), 'kernel');
    await writeFile(join(run, 'kvm'), '');
    await writeFile(join(run, 'boot_id'), 'boot-1\n');
    probes = [];
    probeAnswer = { boots: true, reason: 'the helper kernel ran the probe init', ms: 420 };
    options = {
      cacheDir: join(run, 'cache'),
      kvmDevice: join(run, 'kvm'),
      bootIdPath: join(run, 'boot_id'),
      probe: async (spec) => (probes.push(spec), probeAnswer),
      probeTimeoutMs: 15_000,
    };
    question = { setting: 'auto', qemu: ['qemu-system-x86_64'], machine: 'microvm', helperDir: join(run, 'helper'), memoryMiB: 512 };
  });

  it('probes KVM with the helper kernel, machine and memory, and picks KVM when it boots, with TCG as the fallback', async () => {
    const choice = await createAcceleratorChoice(options, log).chooseAccelerator(question);
    assert.deepEqual(choice, { accelerator: 'kvm', fallbackToTcg: true, reason: 'KVM probe: the helper kernel ran the probe init', probeMs: 420 });
    assert.deepEqual(probes, [{ qemu: ['qemu-system-x86_64'], accelerator: 'kvm', machine: 'microvm', kernel: join(question.helperDir, 'kernel'), memoryMiB: 512, timeoutMs: 15_000 }]);
  });

  it('picks TCG when the probe does not boot', async () => {
    probeAnswer = { boots: false, reason: 'qemu ended (exit code 134)', ms: 30 };
    const choice = await createAcceleratorChoice(options, log).chooseAccelerator(question);
    assert.deepEqual(choice, { accelerator: 'tcg', fallbackToTcg: false, reason: 'KVM probe: qemu ended (exit code 134)', probeMs: 30 });
  });

  it('probes once per host boot and helper kernel: the next create, in another process, reads the verdict', async () => {
    await createAcceleratorChoice(options, log).chooseAccelerator(question);
    const again = await createAcceleratorChoice(options, log).chooseAccelerator(question);
    assert.equal(probes.length, 1);
    assert.deepEqual(again, { accelerator: 'kvm', fallbackToTcg: true, reason: 'probed earlier in this host boot: KVM probe: the helper kernel ran the probe init' });
  });

  it('probes again after the host rebooted, and forgets the verdicts of earlier boots', async () => {
    await createAcceleratorChoice(options, log).chooseAccelerator(question);
    await writeFile(options.bootIdPath, 'boot-2\n');
    await createAcceleratorChoice(options, log).chooseAccelerator(question);
    assert.equal(probes.length, 2);
    const files = await readdir(options.cacheDir);
    assert.equal(files.length, 1);
    assert.match(files[0]!, /^boot-2-[0-9a-f]{16}\.json$/);
  });

  it('probes again for a rebuilt helper kernel', async () => {
    await createAcceleratorChoice(options, log).chooseAccelerator(question);
    await rm(join(question.helperDir, 'kernel'));
    await writeFile(join(question.helperDir, 'kernel'), 'a rebuilt kernel');
    await createAcceleratorChoice(options, log).chooseAccelerator(question);
    assert.equal(probes.length, 2);
  });

  it('uses TCG for the rest of the host boot once KVM is marked bad, without probing', async () => {
    const choice = createAcceleratorChoice(options, log);
    await choice.chooseAccelerator(question);
    await choice.markAcceleratorBad(question, 'no sign of life within HELPER_BOOT_TIMEOUT, 60 s');
    assert.deepEqual(await choice.chooseAccelerator(question), {
      accelerator: 'tcg',
      fallbackToTcg: false,
      reason: 'probed earlier in this host boot: no sign of life within HELPER_BOOT_TIMEOUT, 60 s',
    });
    assert.equal(probes.length, 1);
  });

  it('uses TCG without probing when the KVM device cannot be opened', async () => {
    const choice = await createAcceleratorChoice({ ...options, kvmDevice: join(dir, 'no-kvm') }, log).chooseAccelerator(question);
    assert.deepEqual(choice, { accelerator: 'tcg', fallbackToTcg: false, reason: `${join(dir, 'no-kvm')} cannot be opened (ENOENT)` });
    assert.equal(probes.length, 0);
  });

  for (const setting of ['kvm', 'tcg'] as const) {
    it(`takes HELPER_ACCEL=${setting} as it is, without probing and with no fallback`, async () => {
      const choice = await createAcceleratorChoice(options, log).chooseAccelerator({ ...question, setting });
      assert.deepEqual(choice, { accelerator: setting, fallbackToTcg: false, reason: `HELPER_ACCEL is ${setting}` });
      assert.equal(probes.length, 0);
    });
  }

  it('still answers when the verdict cannot be kept, and probes again next time', async () => {
    await writeFile(options.cacheDir, 'a file where the directory should be');
    const choice = createAcceleratorChoice(options, log);
    assert.equal((await choice.chooseAccelerator(question)).accelerator, 'kvm');
    assert.equal((await choice.chooseAccelerator(question)).accelerator, 'kvm');
    assert.equal(probes.length, 2);
  });
});
