import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import { LoopDisks } from './support/loop-disk.ts';
import { runHelperProgram } from './support/run-helper-program.ts';

const SWAP_TASKS = ['MountImage', 'AddSwap', 'UmountImage'];

describe('a deployment asking for what the OS family lacks, on a real disk', { skip: process.getuid?.() !== 0 ? 'needs root for loop devices' : false }, () => {
  const disks = new LoopDisks();
  after(() => disks.release());

  const digest = async (device: string) => createHash('sha256').update(await readFile(device)).digest('hex');

  it('fails a NetBSD image whose swap is asked for, naming the family and the task, and leaves the disk as it was', async () => {
    const disk = await disks.create({ table: 'dos', imageMiB: 16, diskMiB: 32, partitions: [{ type: 'a9' }] });
    const before = await digest(disk);
    const run = await runHelperProgram(await disks.workdir(), [disk], { HOSTNAME: 'vm1', PROPERTIES: '{"OSFAMILY":"netbsd","ROOT_PARTITION":"5","SWAP":"2:64"}' }, SWAP_TASKS);
    const error =
      'ERROR: AddSwap: task AddSwap is not implemented for OSFAMILY netbsd and the deployment sets PROPERTY_SWAP: no task ran; exclude the task with EXCLUDE_TASK_ADDSWAP=yes or EXCLUDE_MOUNTED_TASKS=yes to deploy without it';
    assert.equal(run.result, `${error}\n`);
    assert.equal(run.monitor.at(-1), error);
    assert.ok(!run.monitor.some((line) => line.startsWith('TASK_START:')), 'no task started');
    assert.equal(run.exitCode, 1);
    assert.equal(await digest(disk), before, 'the disk is byte for byte as it was');
  });

  it('deploys the same image when the image excludes the task it cannot have', async () => {
    const disk = await disks.create({ table: 'dos', imageMiB: 16, diskMiB: 32, partitions: [{ type: 'a9' }] });
    const run = await runHelperProgram(await disks.workdir(), [disk], { HOSTNAME: 'vm1', PROPERTIES: '{"OSFAMILY":"netbsd","ROOT_PARTITION":"5","SWAP":"2:64","EXCLUDE_TASK_ADDSWAP":"yes","EXCLUDE_MOUNTED_TASKS":"yes"}' }, SWAP_TASKS);
    assert.equal(run.result, 'SUCCESS\n', run.monitor.join('\n'));
    assert.ok(run.monitor.includes('WARNING: Task AddSwap was excluded and will not run.'), run.monitor.join('\n'));
  });
});
