import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ensureHelperImage } from '../../src/helper-image/build.ts';
import { recipeFiles } from '../../src/helper-image/recipe.ts';
import { createLogger } from '../../src/log.ts';
import { bootHelper, type ConfigBus } from './helper-vm.ts';

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

  for (const configBus of ['virtio', 'floppy'] as const satisfies readonly ConfigBus[]) {
    test(`boots, runs the helper program with the config device on ${configBus}, writes SUCCESS and powers off by itself`, async (t) => {
      const workDir = join(scratch, configBus);
      const outcome = await bootHelper({ helperDir, workDir, configBus, timeoutMs: BOOT_TIMEOUT_MS });
      t.diagnostic(`launch to power-off: ${outcome.seconds} s (config device on ${configBus})`);
      assert.equal(outcome.timedOut, false, `qemu did not power off within ${BOOT_TIMEOUT_MS} ms:\n${outcome.console}`);
      assert.equal(outcome.result, 'SUCCESS\n', outcome.console);
      assert.equal(outcome.monitor, 'TASK_START:StandIn\nTASK_END:StandIn\n');
      assert.equal(outcome.exitCode, 0);
    });
  }

  test('reports an ERROR on the result port when the helper program fails, and still powers off', async (t) => {
    const failing = join(scratch, 'failing-helper.mjs');
    await writeFile(failing, 'process.exit(3);\n');
    const failingDir = await ensureHelperImage({ log, helperProgram: failing });
    const outcome = await bootHelper({ helperDir: failingDir, workDir: join(scratch, 'failing'), configBus: 'virtio', timeoutMs: BOOT_TIMEOUT_MS });
    t.diagnostic(`launch to power-off: ${outcome.seconds} s`);
    assert.equal(outcome.timedOut, false, outcome.console);
    assert.equal(outcome.result, 'ERROR: helper VM: the helper program exited with status 3\n');
  });
});
