import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import { LoopDisks } from './support/loop-disk.ts';
import { runHelperProgram } from './support/run-helper-program.ts';

const PASSWORD_TASKS = ['MountImage', 'ChangePassword', 'UmountImage'];

describe('a deployment asking for what the OS family lacks, on a real disk', { skip: process.getuid?.() !== 0 ? 'needs root for loop devices' : false }, () => {
  const disks = new LoopDisks();
  after(() => disks.release());

  const digest = async (device: string) => createHash('sha256').update(await readFile(device)).digest('hex');

  it('fails a NetBSD image whose password is asked for, naming the family and the task, and leaves the disk as it was', async () => {
    const disk = await disks.create({ table: 'dos', imageMiB: 16, diskMiB: 32, partitions: [{ type: 'a9' }] });
    const before = await digest(disk);
    const run = await runHelperProgram(await disks.workdir(), [disk], { HOSTNAME: 'vm1', PASSWD: 's3cret', PROPERTIES: '{}' }, PASSWORD_TASKS);
    const error =
      'ERROR: ChangePassword: task ChangePassword is not implemented for OSFAMILY netbsd and the deployment sets PASSWD: no task ran; exclude the task with EXCLUDE_TASK_CHANGEPASSWORD=yes or EXCLUDE_MOUNTED_TASKS=yes to deploy without it';
    assert.equal(run.result, `${error}\n`);
    assert.ok(run.monitor.includes('WARNING: Detected OSFAMILY: netbsd'), run.monitor.join('\n'));
    assert.equal(run.monitor.at(-1), error);
    assert.ok(!run.monitor.some((line) => line.startsWith('TASK_START:')), 'no task started');
    assert.equal(run.exitCode, 1);
    assert.equal(await digest(disk), before, 'the disk is byte for byte as it was');
  });

  it('deploys the same image when the image excludes the task it cannot have', async () => {
    const disk = await disks.create({ table: 'dos', imageMiB: 16, diskMiB: 32, partitions: [{ type: 'a9' }] });
    const run = await runHelperProgram(await disks.workdir(), [disk], { HOSTNAME: 'vm1', PASSWD: 's3cret', PROPERTIES: '{"EXCLUDE_TASK_CHANGEPASSWORD":"yes"}' }, PASSWORD_TASKS);
    assert.equal(run.result, 'SUCCESS\n', run.monitor.join('\n'));
    assert.ok(run.monitor.includes('WARNING: Task ChangePassword was excluded and will not run.'), run.monitor.join('\n'));
  });
});
