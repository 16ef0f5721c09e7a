import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { realProcesses } from '../../../src/effects/real/processes.ts';
import { detectImage } from '../../../src/helper/detection.ts';
import { realPartitionNodes } from '../../../src/helper/partition-nodes.ts';
import { helperMounts } from '../support/disk-checks.ts';
import { createWindowsDisk, legacyHives, windowsHives, type WindowsDisk } from './support/windows-image.ts';

const disks: WindowsDisk[] = [];
after(async () => {
  for (const disk of disks) await disk.disks.release();
});

async function detect(hives: Parameters<typeof createWindowsDisk>[0]['hives']) {
  const disk = await createWindowsDisk({ hives, windowsDir: 'WINDOWS', system32Dir: 'System32' });
  disks.push(disk);
  const deps = { processes: realProcesses, partitions: realPartitionNodes(realProcesses), signal: new AbortController().signal };
  return detectImage(deps, { device: disk.disk, detectOsFamily: true, detectRootPartition: true });
}

describe('detection of Windows images from the SOFTWARE hive', () => {
  it('tells windows (NT 6.3) and windows-legacy (NT 5.1) apart, and unmounts what it probed', async () => {
    assert.deepEqual(await detect(windowsHives()), { osFamily: 'windows', rootPartition: 1, resizePartition: 1 });
    assert.deepEqual(await detect(legacyHives()), { osFamily: 'windows-legacy', rootPartition: 1, resizePartition: 1 });
    assert.deepEqual(await helperMounts(), []);
  });
});
