import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { realProcesses } from '../../src/effects/real/processes.ts';
import { Secret } from '../../src/effects/secret.ts';
import { runOverride } from '../../src/helper/task-override.ts';

describe('image-provided task overrides', () => {
  let target: string;
  let log: string;
  before(async () => {
    target = await mkdtemp(join(tmpdir(), 'snf-image-override-'));
    log = join(target, 'log');
  });
  after(() => rm(target, { recursive: true, force: true }));

  async function override(name: string, exitCodes: { pre: number; post?: number }, dir = 'root/snf-image/helper') {
    await rm(join(target, 'root'), { recursive: true, force: true });
    await mkdir(join(target, dir), { recursive: true });
    await writeFile(log, '');
    const script = join(target, dir, name);
    await writeFile(script, `#!/bin/sh\necho "$1 $SNF_IMAGE_HOSTNAME $SNF_IMAGE_PASSWD" >> ${log}\n[ "$1" = pre-exec ] && exit ${exitCodes.pre}\nexit ${exitCodes.post ?? 0}\n`);
    await chmod(script, 0o755);
  }

  async function run() {
    const warnings: string[] = [];
    let original = 0;
    const env = new Map<string, string | Secret>([['TARGET', target], ['HOSTNAME', 'vm1'], ['PASSWD', new Secret('pw')]]);
    const outcome = await runOverride(realProcesses, 'AssignHostname', env, (w) => warnings.push(w), async () => {
      original += 1;
    });
    return { outcome, warnings, original, log: await readFile(log, 'utf8') };
  }

  it('replaces the task when the script exits 0, with the task environment', async () => {
    await override('Overwrite_Task_AssignHostname', { pre: 0 });
    const result = await run();
    assert.deepEqual({ ...result, warnings: result.warnings.length }, { outcome: 'replaced', warnings: 1, original: 0, log: 'pre-exec vm1 pw\n' });
    assert.equal(result.warnings[0], "Task AssignHostname is overridden by the image's /root/snf-image/helper/Overwrite_Task_AssignHostname");
  });

  it('wraps the task when the script exits 101: pre-exec, the task, post-exec', async () => {
    await override('overwrite_task_assignhostname', { pre: 101 });
    const result = await run();
    assert.deepEqual({ outcome: result.outcome, original: result.original, log: result.log }, { outcome: 'wrapped', original: 1, log: 'pre-exec vm1 pw\npost-exec vm1 pw\n' });
  });

  it('fails the task when the script exits with another code', async () => {
    await override('overwrite_task_AssignHostname', { pre: 3 });
    await assert.rejects(run(), { message: "the image's script overriding task AssignHostname exited with code 3" });
  });

  it('runs the task itself when the image has no override, or two', async () => {
    await rm(join(target, 'root'), { recursive: true, force: true });
    await writeFile(log, '');
    assert.equal((await run()).outcome, 'none');
    await override('overwrite_task_AssignHostname', { pre: 0 }, 'root/snf-image/helper/a');
    const second = join(target, 'root/snf-image/helper/overwrite_task_assignhostname');
    await writeFile(second, '#!/bin/sh\nexit 0\n');
    await chmod(second, 0o755);
    const result = await run();
    assert.equal(result.outcome, 'none');
    assert.deepEqual(result.warnings, ['Found 2 scripts overriding task AssignHostname; running the task itself']);
  });
});
