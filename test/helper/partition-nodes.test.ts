import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Processes } from '../../src/effects/processes.ts';
import { realProcesses } from '../../src/effects/real/processes.ts';
import { kernelSeesTable, partitionExists, realPartitionNodes } from '../../src/helper/partition-nodes.ts';
import { readPartitionTable } from '../../src/helper/partition-table.ts';
import { LoopDisks } from './support/loop-disk.ts';

/** Real processes, with the partx runs counted. */
function countingPartx(): { processes: Processes; partxRuns: () => number } {
  let runs = 0;
  return {
    processes: {
      run(command, args, options) {
        if (command === 'partx') runs++;
        return realProcesses.run(command, args, options);
      },
    },
    partxRuns: () => runs,
  };
}

describe("the kernel's partition nodes against the table on the disk", () => {
  const disks = new LoopDisks();
  let disk: string;
  before(async () => {
    disk = await disks.create({ table: 'gpt', imageMiB: 64, diskMiB: 96, partitions: [{ size: '16M', type: 'L' }, { type: 'L' }] });
  });
  after(() => disks.release());

  it('are taken as they are when they are exactly the table: no partx runs', async () => {
    const table = await readPartitionTable(realProcesses, disk);
    assert.equal(await kernelSeesTable(disk, table), true);
    const { processes, partxRuns } = countingPartx();
    await realPartitionNodes(processes).ensureMatches(disk, table);
    assert.equal(partxRuns(), 0);
  });

  it('are refreshed when a partition changed size on the disk, and then match', async () => {
    await realProcesses.run('sfdisk', ['--quiet', '--no-reread', '--no-tell-kernel', '-N', '2', disk], { input: ',+\n' });
    const table = await readPartitionTable(realProcesses, disk);
    assert.equal(await kernelSeesTable(disk, table), false);
    const { processes, partxRuns } = countingPartx();
    await realPartitionNodes(processes).ensureMatches(disk, table);
    assert.ok(partxRuns() > 0);
    assert.equal(await kernelSeesTable(disk, table), true);
  });

  it('are made when the kernel has none (a loop device without partition scanning)', async () => {
    await realProcesses.run('partx', ['-d', disk]);
    assert.equal(partitionExists(disk, 1), false);
    const table = await readPartitionTable(realProcesses, disk);
    assert.equal(await kernelSeesTable(disk, table), false);
    await realPartitionNodes(realProcesses).ensureMatches(disk, table);
    assert.equal(partitionExists(disk, 1), true);
    assert.equal(partitionExists(disk, 2), true);
    assert.equal(await kernelSeesTable(disk, table), true);
  });

  it('do not match when the kernel has a partition the table no longer has', async () => {
    await realProcesses.run('sfdisk', ['--quiet', '--no-reread', '--no-tell-kernel', '--delete', disk, '2']);
    const table = await readPartitionTable(realProcesses, disk);
    assert.equal(table.partitions.length, 1);
    assert.equal(partitionExists(disk, 2), true);
    assert.equal(await kernelSeesTable(disk, table), false);
  });
});
