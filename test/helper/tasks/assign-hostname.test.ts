import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { assignHostname } from '../../../src/helper/tasks/assign-hostname.ts';
import { FAMILIES, FAMILY_TREES } from './support/family-trees.ts';
import { assertGolden } from './support/golden.ts';
import { copyDebianTree, removeScratch, scratchDir, writeTree } from './support/guest-trees.ts';
import { assertUntouched, outsideVictim } from './support/hostile.ts';
import { runTaskOn } from './support/run-task.ts';

const NAME = 'web1.example.org';
const scratches: string[] = [];
afterEach(async () => Promise.all(scratches.splice(0).map(removeScratch)));

async function familyTree(family: keyof typeof FAMILY_TREES): Promise<string> {
  const scratch = await scratchDir(`hostname-${family}`);
  scratches.push(scratch);
  const root = join(scratch, 'root');
  await writeTree(root, FAMILY_TREES[family]);
  return root;
}

describe('AssignHostname', () => {
  it('writes /etc/hostname and the 127.0.1.1 line of a Debian 12 guest', async () => {
    const { root, scratch } = await copyDebianTree();
    scratches.push(scratch);
    const run = await runTaskOn(assignHostname, root, { HOSTNAME: NAME });
    await assertGolden('assign-hostname/debian', run.report);
    assert.equal(await fs.readFile(join(root, 'etc/hostname'), 'utf8'), `${NAME}\n`);
  });

  for (const family of FAMILIES) {
    it(`writes the hostname where a ${family} guest keeps it`, async () => {
      const root = await familyTree(family);
      const run = await runTaskOn(assignHostname, root, { HOSTNAME: NAME });
      await assertGolden(`assign-hostname/${family}`, run.report);
    });
  }

  it('refuses a guest of unknown distribution, as snf-image does', async () => {
    const root = await familyTree('suse');
    await fs.rm(join(root, 'etc/SuSE-release'));
    await fs.rm(join(root, 'etc/os-release'));
    await fs.rm(join(root, 'etc/HOSTNAME'));
    await assert.rejects(runTaskOn(assignHostname, root, { HOSTNAME: NAME }), /Unknown linux distribution/);
  });

  it('refuses a name that is not a DNS name', async () => {
    const root = await familyTree('redhat');
    await assert.rejects(runTaskOn(assignHostname, root, { HOSTNAME: 'bad\nname' }), /not a valid DNS name/);
  });

  it('writes the seed meta-data instead under cloud-init', async () => {
    const root = await familyTree('redhat');
    const run = await runTaskOn(assignHostname, root, { HOSTNAME: NAME, PROPERTY_CLOUD_INIT: 'yes' });
    await assertGolden('assign-hostname/cloud-init', run.report);
  });

  for (const how of ['absolute', 'climbing'] as const) {
    it(`never writes outside the guest through an ${how} /etc/hostname symlink`, async () => {
      const root = await familyTree('redhat');
      const victim = await outsideVictim(join(root, '..'));
      await fs.symlink(victim[how], join(root, 'etc/hostname'));
      await assert.rejects(runTaskOn(assignHostname, root, { HOSTNAME: NAME }), /\/etc\/hostname: its directory .* does not exist in the guest/);
      await assertUntouched(victim);
    });
  }
});
