import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import { LoopDisks } from './support/loop-disk.ts';
import { runHelperProgram } from './support/run-helper-program.ts';

const NETWORK_TASKS = ['MountImage', 'ConfigureNetwork', 'UmountImage'];
const NIC = { NIC_COUNT: '1', NIC_0_MAC: 'aa:00:00:12:34:56', NIC_0_IP: '192.0.2.10' };

describe('a deployment asking for what the OS family lacks, on a real disk', { skip: process.getuid?.() !== 0 ? 'needs root for loop devices' : false }, () => {
  const disks = new LoopDisks();
  after(() => disks.release());

  const digest = async (device: string) => createHash('sha256').update(await readFile(device)).digest('hex');

  it('fails a NetBSD image whose network is asked for, naming the family and the task, and leaves the disk as it was', async () => {
    const disk = await disks.create({ table: 'dos', imageMiB: 16, diskMiB: 32, partitions: [{ type: 'a9' }] });
    const before = await digest(disk);
    const run = await runHelperProgram(await disks.workdir(), [disk], { HOSTNAME: 'vm1', ...NIC, PROPERTIES: '{"OSFAMILY":"netbsd","ROOT_PARTITION":"5"}' }, NETWORK_TASKS);
    const error =
      'ERROR: ConfigureNetwork: task ConfigureNetwork is not implemented for OSFAMILY netbsd and the deployment sets NIC_0_MAC: no task ran; exclude the task with EXCLUDE_TASK_CONFIGURENETWORK=yes or EXCLUDE_MOUNTED_TASKS=yes to deploy without it';
    assert.equal(run.result, `${error}\n`);
    assert.equal(run.monitor.at(-1), error);
    assert.ok(!run.monitor.some((line) => line.startsWith('TASK_START:')), 'no task started');
    assert.equal(run.exitCode, 1);
    assert.equal(await digest(disk), before, 'the disk is byte for byte as it was');
  });

  it('deploys the same image when the image excludes the task it cannot have', async () => {
    const disk = await disks.create({ table: 'dos', imageMiB: 16, diskMiB: 32, partitions: [{ type: 'a9' }] });
    const run = await runHelperProgram(await disks.workdir(), [disk], { HOSTNAME: 'vm1', ...NIC, PROPERTIES: '{"OSFAMILY":"netbsd","ROOT_PARTITION":"5","EXCLUDE_TASK_CONFIGURENETWORK":"yes","EXCLUDE_MOUNTED_TASKS":"yes"}' }, NETWORK_TASKS);
    assert.equal(run.result, 'SUCCESS\n', run.monitor.join('\n'));
    assert.ok(run.monitor.includes('WARNING: Task ConfigureNetwork was excluded and will not run.'), run.monitor.join('\n'));
  });
});
