import { afterEach, describe, it } from 'node:test';
import { selinuxAutorelabel } from '../../../src/helper/tasks/selinux-autorelabel.ts';
import { FAMILIES } from './support/family-trees.ts';
import { familyRoot } from './support/family-root.ts';
import { assertGolden } from './support/golden.ts';
import { copyDebianTree, removeScratch } from './support/guest-trees.ts';
import { runTaskOn } from './support/run-task.ts';

const scratches: string[] = [];
afterEach(async () => Promise.all(scratches.splice(0).map(removeScratch)));

describe('SELinuxAutorelabel', () => {
  it('leaves a Debian 12 guest alone', async () => {
    const { root, scratch } = await copyDebianTree();
    scratches.push(scratch);
    await assertGolden('selinux-autorelabel/debian', (await runTaskOn(selinuxAutorelabel, root, {})).report);
  });

  for (const family of FAMILIES) {
    it(`asks a ${family} guest for a relabel only if it is of the RedHat family`, async () => {
      const { root, scratch } = await familyRoot(family);
      scratches.push(scratch);
      await assertGolden(`selinux-autorelabel/${family}`, (await runTaskOn(selinuxAutorelabel, root, {})).report);
    });
  }
});
