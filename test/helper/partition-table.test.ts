import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { partitionToResize, type Partition, type PartitionTable } from '../../src/helper/partition-table.ts';
import { partitionPath } from '../../src/helper/partition-nodes.ts';
import { parseFstab } from '../../src/helper/fstab.ts';

const dos = (...partitions: [number, string][]): PartitionTable => ({
  label: 'dos',
  sectorSize: 512,
  partitions: partitions.map(([number, type]): Partition => ({ number, type, start: number * 1000, size: 100 })),
});

describe('partition to resize', () => {
  it('is the highest-numbered partition', () => {
    assert.equal(partitionToResize(dos([1, '83'], [2, '83']))?.number, 2);
  });

  it('is the last logical partition when the extended partition is the last primary', () => {
    assert.equal(partitionToResize(dos([1, '83'], [2, '5'], [5, '83'], [6, '83']))?.number, 6);
  });

  it('is the last primary when a primary comes after the extended partition', () => {
    assert.equal(partitionToResize(dos([1, '83'], [2, 'f'], [3, '83'], [5, '83']))?.number, 3);
  });

  it('is none for a table without partitions', () => {
    assert.equal(partitionToResize(dos()), undefined);
  });
});

describe('partition device names', () => {
  it('adds a p after a disk name ending in a digit', () => {
    assert.equal(partitionPath('/dev/vdb', 2), '/dev/vdb2');
    assert.equal(partitionPath('/dev/loop7', 1), '/dev/loop7p1');
    assert.equal(partitionPath('/dev/nvme0n1', 3), '/dev/nvme0n1p3');
  });
});

describe('fstab', () => {
  it('reads entries, skipping comments and blank lines, unescaping spaces', () => {
    assert.deepEqual(parseFstab('# static\n\nUUID=ab / ext4 errors=remount-ro 0 1\n/dev/sr0\t/media/my\\040disc  udf user,noauto 0 0\nproc /proc proc\n'), [
      { device: 'UUID=ab', mountpoint: '/', fstype: 'ext4', options: ['errors=remount-ro'] },
      { device: '/dev/sr0', mountpoint: '/media/my disc', fstype: 'udf', options: ['user', 'noauto'] },
      { device: 'proc', mountpoint: '/proc', fstype: 'proc', options: ['defaults'] },
    ]);
  });
});
