import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { EffectEvent } from '../../../src/effects/effect.ts';
import type { TraceEvent } from '../../../src/effects/trace.ts';
import { realProcesses } from '../../../src/effects/real/processes.ts';
import { createConfigDeviceWriter } from '../../../src/host/config-device/config-device.ts';
import type { DiskType } from '../../../src/host/helper-vm/helper-devices.ts';
import { createRunHelper, readResult } from '../../../src/host/helper-vm/helper-vm.ts';
import { qemuCommand } from '../../../src/host/helper-vm/qemu-command.ts';
import { qemuHasSandbox } from '../../../src/host/helper-vm/qemu-sandbox.ts';
import { detectQemuVersion } from '../../../src/host/helper-vm/qemu-version.ts';
import { multibootStub } from '../../fixtures/multiboot-stub.ts';
import { capturedLog } from '../../support/captured-log.ts';
import type { MachineType } from '../../../machines/host/plan.ts';

/**
 * The real qemu, under TCG, on the exact command line the helper gets, with
 * a stub kernel that answers on the four serial ports: proves the machine,
 * disk, config-device and serial options boot together on each machine type.
 */
const STUB_TRACE_EVENT = { kind: 'log', seq: 0, at: 5, level: 'info', msg: 'stub trace' };

describe('helper VM launch with qemu', () => {
  const qemu = 'qemu-system-x86_64';
  const ctx = { signal: new AbortController().signal, emit: () => {} };
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'helper-launch-test-'));
    const helperDir = join(dir, 'helper');
    await mkdir(helperDir);
    await writeFile(join(helperDir, 'kernel'), multibootStub({ console: 'stub console\n', result: 'SUCCESS\r\n', monitor: 'TASK_START:Stub\nTASK_END:Stub\n', trace: `${JSON.stringify(STUB_TRACE_EVENT)}\n` }));
    await writeFile(join(helperDir, 'initrd'), 'initrd');
    await writeFile(join(helperDir, 'image'), '');
    await truncate(join(helperDir, 'image'), 1 << 20);
    await writeFile(join(dir, 'disk0'), '');
    await truncate(join(dir, 'disk0'), 1 << 20);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const cases: [MachineType, DiskType][] = [['pc', 'paravirtual'], ['q35', 'scsi-hd'], ['microvm', 'paravirtual']];
  for (const [machine, diskType] of cases) {
    it(`boots ${machine} with ${diskType} disks and hears the helper on every port`, async () => {
      const resultPath = join(dir, `result-${machine}`);
      const configDevice = join(dir, `config-${machine}.img`);
      const launch = {
        qemu,
        qemuVersion: await detectQemuVersion(realProcesses, [qemu]),
        machine,
        accelerator: 'tcg' as const,
        helperDir: join(dir, 'helper'),
        memoryMiB: 64,
        user: 'nobody',
        sandbox: await qemuHasSandbox(realProcesses, [qemu]),
        debug: false,
        diskType,
        instanceDisks: [join(dir, 'disk0')],
        configDevice,
        resultPath,
      };
      const { command, args, devices } = qemuCommand(launch);
      await createConfigDeviceWriter({ processes: realProcesses })(
        { path: configDevice, rules: { version: 1, env: { HOSTNAME: 'vm1' }, devices: [...devices], forcedProperties: {} }, windowsTimezone: 'UTC' },
        ctx,
      );
      const { log, texts: logged } = capturedLog();
      const events: EffectEvent[] = [];
      const traced: TraceEvent[] = [];
      const exit = await createRunHelper({ log, onTrace: (event) => traced.push(event) })({ command, args }, { signal: AbortSignal.timeout(20_000), emit: (event) => events.push(event) });

      assert.deepEqual(exit, { exitCode: 0, signal: null }, logged().join('\n'));
      assert.deepEqual(
        events.filter((event) => event.type === 'helper.monitor').map((event) => event.message),
        [
          { type: 'image-helper', subtype: 'task-start', task: 'Stub' },
          { type: 'image-helper', subtype: 'task-end', task: 'Stub' },
        ],
      );
      assert.ok(logged().includes('HELPER: stub console'), logged().join('\n'));
      assert.deepEqual(traced, [STUB_TRACE_EVENT]);
      assert.deepEqual(await readResult({ path: resultPath }, ctx), { firstLine: 'SUCCESS' });
    });
  }

  it('runs qemu as HELPER_USER under its seccomp filter', async () => {
    const launch = {
      qemu,
      qemuVersion: await detectQemuVersion(realProcesses, [qemu]),
      machine: 'microvm' as const,
      accelerator: 'tcg' as const,
      helperDir: join(dir, 'helper'),
      memoryMiB: 64,
      user: 'nobody',
      sandbox: true,
      debug: false,
      diskType: 'paravirtual',
      instanceDisks: [join(dir, 'disk0')],
      configDevice: join(dir, 'helper', 'initrd'),
      resultPath: join(dir, 'result-sandbox'),
    };
    const { command, args } = qemuCommand(launch);
    const stop = new AbortController();
    // -S holds the VM before its first instruction, so the process stays to be looked at.
    const running = createRunHelper({ log: capturedLog().log, onTrace: () => {} })({ command, args: [...args, '-S'] }, { signal: stop.signal, emit: () => {} }).catch(() => undefined);
    try {
      const status = await processStatus((cmdline) => cmdline.startsWith(qemu) && cmdline.includes(launch.resultPath));
      assert.match(status, /^Uid:\t65534\t65534\t65534\t65534$/m, 'qemu dropped to nobody');
      assert.match(status, /^Seccomp:\t2$/m, 'a seccomp filter is on');
    } finally {
      stop.abort();
      await running;
    }
  });
});

/** /proc/PID/status of the first process whose command line matches, waiting up to 20 s for it. */
async function processStatus(matches: (cmdline: string) => boolean): Promise<string> {
  for (let attempt = 0; attempt < 200; attempt++) {
    for (const pid of (await readdir('/proc')).filter((name) => /^\d+$/.test(name))) {
      const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
      const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
      // Once qemu has opened its files and dropped to the user, the filter is in place.
      if (matches(cmdline.replaceAll('\0', ' ')) && /^Uid:\t65534/m.test(status)) return status;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('qemu did not start');
}
