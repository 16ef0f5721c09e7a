import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { Secret } from '../../../src/effects/secret.ts';
import { runCustomTask } from '../../../src/helper/tasks/run-custom-task.ts';
import { familyRoot } from './support/family-root.ts';
import { removeScratch } from './support/guest-trees.ts';
import { runTaskOn } from './support/run-task.ts';

const scratches: string[] = [];
afterEach(async () => Promise.all(scratches.splice(0).map(removeScratch)));
const program = (script: string) => Buffer.from(script).toString('base64');

describe('RunCustomTask', () => {
  it('runs the CUSTOM_TASK program in the helper with the guest at TARGET and the values as SNF_IMAGE_*', async () => {
    const { root, scratch } = await familyRoot('redhat');
    scratches.push(scratch);
    const script = '#!/bin/sh\nset -e\necho "$SNF_IMAGE_HOSTNAME ${SNF_IMAGE_PASSWD:-no password}" > "$SNF_IMAGE_TARGET/etc/custom"\n';
    const run = await runTaskOn(runCustomTask, root, { PROPERTY_CUSTOM_TASK: program(script), HOSTNAME: 'web1', PASSWD: new Secret('s3cret') });
    assert.equal(await fs.readFile(join(root, 'etc/custom'), 'utf8'), 'web1 no password\n');
    assert.deepEqual(run.warnings, []);
  });

  it('fails the deployment when the program fails, with the tail of its stderr', async () => {
    const { root, scratch } = await familyRoot('redhat');
    scratches.push(scratch);
    const script = '#!/bin/sh\necho "cannot find the database" >&2\nexit 3\n';
    await assert.rejects(runTaskOn(runCustomTask, root, { PROPERTY_CUSTOM_TASK: program(script) }), /custom task \(CUSTOM_TASK\) failed with exit code 3: cannot find the database/);
  });

  it('warns when there is no custom task', async () => {
    const { root, scratch } = await familyRoot('redhat');
    scratches.push(scratch);
    const run = await runTaskOn(runCustomTask, root, {});
    assert.deepEqual(run.warnings, ['No custom task specified to run']);
  });

  it('rejects a CUSTOM_TASK that is not base64', async () => {
    const { root, scratch } = await familyRoot('redhat');
    scratches.push(scratch);
    await assert.rejects(runTaskOn(runCustomTask, root, { PROPERTY_CUSTOM_TASK: '#!/bin/sh\necho hi' }), /CUSTOM_TASK is not base64/);
  });
});
