import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PartitionTableError, type Partition, type PartitionTable } from '../../src/helper/partition-table.ts';
import { checkTableBounds } from '../../src/helper/table-bounds.ts';

const mbr = (...partitions: Partition[]): PartitionTable => ({ label: 'dos', sectorSize: 512, partitions });
const p = (number: number, start: number, size: number, type = '83'): Partition => ({ number, start, size, type });
const DISK = 262144;

describe('table bounds', () => {
  it('accepts an extended partition holding two logical ones', () => {
    checkTableBounds('/dev/vdb', mbr(p(1, 2048, 32768), p(2, 34816, 96256, '5'), p(5, 36864, 16384), p(6, 55296, 16384)), DISK);
  });

  it('names the loop when the chain of logical partitions comes back to a record it has read', () => {
    const looping = mbr(p(1, 2048, 32768), p(2, 34816, 96256, '5'), p(5, 36864, 16384), p(6, 55296, 16384), p(7, 36864, 16384), p(8, 55296, 16384));
    assert.throws(() => checkTableBounds('/dev/vdb', looping, DISK), (error: unknown) => {
      assert.ok(error instanceof PartitionTableError);
      assert.equal(error.message, "The chain of logical partitions in the extended partition of /dev/vdb loops back on itself (partition 7 repeats partition 5 at sector 36864): the image's partition table is corrupt");
      return true;
    });
  });

  it('tells two logical partitions on the same sectors with different sizes apart from a loop: they overlap', () => {
    assert.throws(() => checkTableBounds('/dev/vdb', mbr(p(2, 34816, 96256, '5'), p(5, 36864, 16384), p(6, 36864, 8192)), DISK), /^PartitionTableError: Partitions 5 and 6 of \/dev\/vdb overlap/);
  });
});
