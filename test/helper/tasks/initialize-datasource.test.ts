import { strict as assert } from 'node:assert';
import { afterEach, describe, it } from 'node:test';
import { Secret } from '../../../src/effects/secret.ts';
import { initializeDatasource } from '../../../src/helper/tasks/initialize-datasource.ts';
import { FAMILIES } from './support/family-trees.ts';
import { familyRoot } from './support/family-root.ts';
import { assertGolden } from './support/golden.ts';
import { copyDebianTree, removeScratch } from './support/guest-trees.ts';
import { runTaskOn } from './support/run-task.ts';

const scratches: string[] = [];
afterEach(async () => Promise.all(scratches.splice(0).map(removeScratch)));
const USER_DATA = '#cloud-config\npackages: [nginx]\n';

describe('InitializeDatasource', () => {
  it('seeds cloud-init\'s NoCloud datasource of a Debian 12 guest with the user data', async () => {
    const { root, scratch } = await copyDebianTree();
    scratches.push(scratch);
    const run = await runTaskOn(initializeDatasource, root, {
      PROPERTY_CLOUD_INIT: 'yes',
      HOSTNAME: 'web1.example.org',
      CLOUD_USERDATA: new Secret(Buffer.from(USER_DATA).toString('base64')),
    });
    await assertGolden('initialize-datasource/debian', run.report);
  });

  for (const family of FAMILIES) {
    it(`seeds the datasource of a ${family} guest`, async () => {
      const { root, scratch } = await familyRoot(family);
      scratches.push(scratch);
      const userData = new Secret(Buffer.from(USER_DATA).toString('base64'));
      const run = await runTaskOn(initializeDatasource, root, { PROPERTY_CLOUD_INIT: 'yes', HOSTNAME: 'web1', CLOUD_USERDATA: userData });
      await assertGolden(`initialize-datasource/family-${family}`, run.report);
    });
  }

  it('adds debug logging with CLOUD_INIT_DEBUG, and warns about missing user data', async () => {
    const { root, scratch } = await familyRoot('redhat');
    scratches.push(scratch);
    const run = await runTaskOn(initializeDatasource, root, { PROPERTY_CLOUD_INIT: 'yes', CLOUD_INIT_DEBUG: 'yes', HOSTNAME: 'web1' });
    await assertGolden('initialize-datasource/redhat-debug', run.report);
    assert.deepEqual(run.warnings, ['No cloud user-data provided']);
  });

  it('does nothing, with a warning, when cloud-init is not enabled', async () => {
    const { root, scratch } = await familyRoot('redhat');
    scratches.push(scratch);
    const run = await runTaskOn(initializeDatasource, root, { HOSTNAME: 'web1' });
    assert.equal(run.changes.length, 0);
    assert.equal(run.warnings.length, 1);
  });
});
