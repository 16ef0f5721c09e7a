import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { addSwap } from '../../../src/helper/tasks/add-swap.ts';
import { FAMILIES } from './support/family-trees.ts';
import { familyRoot } from './support/family-root.ts';
import { assertGolden } from './support/golden.ts';
import { copyDebianTree, removeScratch, scratchDir } from './support/guest-trees.ts';
import { runTaskOn } from './support/run-task.ts';

const scratches: string[] = [];
afterEach(async () => Promise.all(scratches.splice(0).map(removeScratch)));
const normalizeUuid = (_path: string, text: string) => text.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>').replace(/swap-[0-9a-f]{8}\.img/g, 'swap-<id>.img');

describe('AddSwap', () => {
  let loopDir: string;
  let loop: string;
  before(async () => {
    loopDir = await scratchDir('swap-disk');
    const image = join(loopDir, 'disk.img');
    await fs.writeFile(image, '');
    await fs.truncate(image, 32 * 1024 * 1024);
    loop = execFileSync('losetup', ['-f', '--show', image], { encoding: 'utf8' }).trim();
  });
  after(async () => {
    execFileSync('losetup', ['-d', loop]);
    await removeScratch(loopDir);
  });

  it('formats the swap partition and adds it to a Debian 12 guest\'s fstab by UUID', async () => {
    const { root, scratch } = await copyDebianTree();
    scratches.push(scratch);
    const run = await runTaskOn(addSwap, root, { PROPERTY_SWAP: '2:512', SWAP_PARTITION: loop, DEV: '/dev/unused' }, normalizeUuid);
    await assertGolden('add-swap/debian', run.report);
    const uuid = /UUID=(\S+)/.exec(await fs.readFile(join(root, 'etc/fstab'), 'utf8'))?.[1];
    assert.equal(execFileSync('blkid', ['-o', 'value', '-s', 'UUID', loop], { encoding: 'utf8' }).trim(), uuid);
    assert.equal(execFileSync('blkid', ['-o', 'value', '-s', 'TYPE', loop], { encoding: 'utf8' }).trim(), 'swap');
  });

  for (const family of FAMILIES) {
    it(`adds the swap partition to a ${family} guest's fstab, or says it has none`, async () => {
      const { root, scratch } = await familyRoot(family);
      scratches.push(scratch);
      const values = { PROPERTY_SWAP: '2:512', SWAP_PARTITION: loop };
      if (family === 'coreos') {
        await assert.rejects(runTaskOn(addSwap, root, values), /The guest has no \/etc\/fstab/);
        return;
      }
      await assertGolden(`add-swap/family-${family}`, (await runTaskOn(addSwap, root, values, normalizeUuid)).report);
    });
  }

  it('uses a whole extra disk named by letter', async () => {
    const { root, scratch } = await familyRoot('redhat');
    scratches.push(scratch);
    const run = await runTaskOn(addSwap, root, { PROPERTY_SWAP: 'b', DEV_COUNT: '2', DEV_0: '/dev/unused', DEV_1: loop }, normalizeUuid);
    await assertGolden('add-swap/redhat-disk', run.report);
  });

  it('refuses the first disk, a missing disk and a device that is not a block device', async () => {
    const { root, scratch } = await familyRoot('redhat');
    scratches.push(scratch);
    await assert.rejects(runTaskOn(addSwap, root, { PROPERTY_SWAP: 'a', DEV_COUNT: '1', DEV_0: loop }), /cannot be the first disk/);
    await assert.rejects(runTaskOn(addSwap, root, { PROPERTY_SWAP: 'c', DEV_COUNT: '2', DEV_1: loop }), /Swap disk c is not available/);
    await assert.rejects(runTaskOn(addSwap, root, { PROPERTY_SWAP: '2:64', SWAP_PARTITION: join(root, 'etc/fstab') }), /is not a block device/);
    await assert.rejects(runTaskOn(addSwap, root, { PROPERTY_SWAP: '2x' }), /SWAP "2x" is not valid/);
  });

  it('asks cloud-init for a swap file under cloud-init', async () => {
    const { root, scratch } = await familyRoot('redhat');
    scratches.push(scratch);
    const run = await runTaskOn(addSwap, root, { PROPERTY_SWAP: '2:512', PROPERTY_CLOUD_INIT: 'yes' }, normalizeUuid);
    await assertGolden('add-swap/cloud-init', run.report);
  });

  it('warns when no swap is asked for', async () => {
    const { root, scratch } = await familyRoot('redhat');
    scratches.push(scratch);
    const run = await runTaskOn(addSwap, root, {});
    assert.deepEqual(run.warnings, ['No swap partition defined']);
    assert.equal(run.changes.length, 0);
  });
});
