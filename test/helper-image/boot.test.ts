import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ensureHelperImage } from '../../src/helper-image/build.ts';
import { recipeFiles } from '../../src/helper-image/recipe.ts';
import { createLogger } from '../../src/log.ts';
import { bootHelper, talkTo, type ConfigBus, type DiskBus } from './helper-vm.ts';

/** Generous, because the test machines are shared: the boot time is printed, and a boot that hangs is killed. */
const BOOT_TIMEOUT_MS = Number(process.env.SNF_IMAGE_BOOT_TIMEOUT_MS ?? 120_000);

describe('the helper VM image', { timeout: 30 * 60_000 }, () => {
  const log = createLogger();
  let scratch: string;
  let helperDir: string;

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'snf-image-boot-'));
    helperDir = await ensureHelperImage({ log, helperProgram: recipeFiles.standInHelper });
  });
  after(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  const layouts: readonly { configBus: ConfigBus; diskBus: DiskBus }[] = [
    { configBus: 'virtio', diskBus: 'virtio-blk' },
    { configBus: 'floppy', diskBus: 'virtio-blk' },
    { configBus: 'virtio', diskBus: 'scsi' },
  ];
  for (const { configBus, diskBus } of layouts) {
    test(`boots with the config device on ${configBus} and the instance disk on ${diskBus}, runs the helper program, writes SUCCESS and powers off by itself`, async (t) => {
      const workDir = join(scratch, `${configBus}-${diskBus}`);
      const outcome = await bootHelper({ helperDir, workDir, configBus, diskBus, timeoutMs: BOOT_TIMEOUT_MS });
      t.diagnostic(`launch to power-off: ${outcome.seconds} s (config device on ${configBus}, instance disk on ${diskBus})`);
      assert.equal(outcome.timedOut, false, `qemu did not power off within ${BOOT_TIMEOUT_MS} ms:\n${outcome.console}`);
      assert.equal(outcome.result, 'SUCCESS\n', outcome.console);
      assert.equal(outcome.monitor, 'TASK_START:StandIn\nTASK_END:StandIn\n');
      assert.equal(outcome.exitCode, 0);
    });
  }

  test('opens a root shell on ttyS3 when the helper program fails with HELPER_DEBUG, and powers off when it exits', async (t) => {
    const failing = join(scratch, 'failing-helper.mjs');
    await writeFile(failing, 'process.exit(3);\n');
    const failingDir = await ensureHelperImage({ log, helperProgram: failing });
    const debugSocket = join(scratch, 'debug.sock');
    const booting = bootHelper({ helperDir: failingDir, workDir: join(scratch, 'debug'), configBus: 'virtio', diskBus: 'virtio-blk', timeoutMs: BOOT_TIMEOUT_MS, debugSocket });
    const session = await talkTo(debugSocket, 'snf-image-helper# ', 'echo "uid=$(id -u) root=$(ls /usr/lib/snf-image/snf-image-helper.mjs)"; exit\n', BOOT_TIMEOUT_MS);
    const outcome = await booting;
    t.diagnostic(`launch to power-off: ${outcome.seconds} s`);
    assert.match(session, /uid=0 root=\/usr\/lib\/snf-image\/snf-image-helper\.mjs/, 'a root shell in the helper root answered');
    assert.equal(outcome.timedOut, false, `the VM powered off after the shell exited:\n${outcome.console}`);
    assert.equal(outcome.result, 'ERROR: helper VM: the helper program exited with status 3\n');
  });

  test('reports an ERROR on the result port when the helper program fails, and still powers off', async (t) => {
    const failing = join(scratch, 'failing-helper.mjs');
    await writeFile(failing, 'process.exit(3);\n');
    const failingDir = await ensureHelperImage({ log, helperProgram: failing });
    const outcome = await bootHelper({ helperDir: failingDir, workDir: join(scratch, 'failing'), configBus: 'virtio', diskBus: 'virtio-blk', timeoutMs: BOOT_TIMEOUT_MS });
    t.diagnostic(`launch to power-off: ${outcome.seconds} s`);
    assert.equal(outcome.timedOut, false, outcome.console);
    assert.equal(outcome.result, 'ERROR: helper VM: the helper program exited with status 3\n');
  });

  test('starts the bundled helper program from its startup snapshot under TCG', async (t) => {
    // The bundle, with the snapshot the build makes of it; the blank instance disk makes the program fail at detection.
    const bundleDir = await ensureHelperImage({ log });
    const outcome = await bootHelper({ helperDir: bundleDir, workDir: join(scratch, 'snapshot'), configBus: 'virtio', diskBus: 'virtio-blk', timeoutMs: BOOT_TIMEOUT_MS });
    t.diagnostic(`launch to power-off: ${outcome.seconds} s`);
    assert.equal(outcome.timedOut, false, outcome.console);
    assert.doesNotMatch(outcome.console, /startup snapshot did not load/, 'the init fell back to the plain bundle');
    assert.match(outcome.result, /^ERROR: .*partition table of \/dev\/vdb/, 'the program itself ran and reported the blank disk');
  });
});
