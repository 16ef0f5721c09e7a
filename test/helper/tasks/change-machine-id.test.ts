import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { changeMachineId } from '../../../src/helper/tasks/change-machine-id.ts';
import { FAMILIES } from './support/family-trees.ts';
import { familyRoot } from './support/family-root.ts';
import { assertGolden } from './support/golden.ts';
import { copyDebianTree, removeScratch } from './support/guest-trees.ts';
import { runTaskOn } from './support/run-task.ts';

const scratches: string[] = [];
afterEach(async () => Promise.all(scratches.splice(0).map(removeScratch)));
const normalizeId = (_path: string, text: string) => text.replace(/^[0-9a-f]{32}$/gm, '<new machine id>');

describe('ChangeMachineId', () => {
  it('gives a Debian 12 guest a new machine id, keeping the file\'s mode', async () => {
    const { root, scratch } = await copyDebianTree();
    scratches.push(scratch);
    const old = await fs.readFile(join(root, 'etc/machine-id'), 'utf8');
    const run = await runTaskOn(changeMachineId, root, {}, normalizeId);
    await assertGolden('change-machine-id/debian', run.report);
    const fresh = await fs.readFile(join(root, 'etc/machine-id'), 'utf8');
    assert.match(fresh, /^[0-9a-f]{32}\n$/);
    assert.notEqual(fresh, old);
    assert.deepEqual(run.warnings, ['/var/lib/dbus/machine-id does not exist in the image: not creating it']);
  });

  for (const family of FAMILIES) {
    it(`writes only the machine-id files a ${family} guest has`, async () => {
      const { root, scratch } = await familyRoot(family);
      scratches.push(scratch);
      const run = await runTaskOn(changeMachineId, root, {}, normalizeId);
      await assertGolden(`change-machine-id/${family}`, run.report);
    });
  }

  it('gives the D-Bus machine id the same value when it links to /etc/machine-id', async () => {
    const { root, scratch } = await familyRoot('redhat');
    scratches.push(scratch);
    await fs.mkdir(join(root, 'var/lib/dbus'), { recursive: true });
    await fs.symlink('/etc/machine-id', join(root, 'var/lib/dbus/machine-id'));
    const helperMachineId = await fs.readFile('/etc/machine-id', 'utf8');
    const run = await runTaskOn(changeMachineId, root, {}, normalizeId);
    assert.equal(await fs.readlink(join(root, 'var/lib/dbus/machine-id')), '/etc/machine-id');
    // The link is absolute: followed on the helper it would reach the helper's own id.
    assert.equal(await fs.readFile('/etc/machine-id', 'utf8'), helperMachineId);
    assert.deepEqual(run.changes.map((change) => change.path), ['/etc/machine-id']);
  });
});
