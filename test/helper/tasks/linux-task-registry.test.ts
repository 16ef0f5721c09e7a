import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { findTask } from '../../../src/helper/tasks/index.ts';

/** snf-image's run-parts priorities and task_init_as attributes (its task table). */
const EXPECTED = [
  ['InitializeDatasource', 35, { excludable: false, overwritable: true }],
  ['AddSwap', 50, { excludable: true, overwritable: true }],
  ['AssignHostname', 50, { excludable: true, overwritable: true }],
  ['ChangeMachineId', 50, { excludable: true, overwritable: true }],
  ['ChangePassword', 50, { excludable: true, overwritable: true }],
  ['ConfigureNetwork', 50, { excludable: true, overwritable: true }],
  ['DeleteSSHKeys', 50, { excludable: true, overwritable: true }],
  ['SELinuxAutorelabel', 50, { excludable: true, overwritable: true }],
  ['EnforcePersonality', 60, { excludable: true, overwritable: true }],
  ['RunCustomTask', 70, { excludable: true, overwritable: true }],
] as const;

describe('Linux tasks in the registry', () => {
  for (const [name, priority, { excludable, overwritable }] of EXPECTED) {
    it(`registers ${name} at priority ${priority}, skipped by EXCLUDE_MOUNTED_TASKS and never by cloud-init mode`, () => {
      const task = findTask(name);
      assert.ok(task, `${name} is registered`);
      assert.equal(task.priority, priority);
      assert.deepEqual(task.attributes, { excludable, fsResizeExcludable: false, mountedExcludable: true, cloudInitExcludable: false, overwritable });
      assert.ok(task.families.includes('linux'));
      assert.ok(task.runAfter.includes('MountImage') && task.runBefore.includes('UmountImage'), 'runs on the mounted guest');
    });
  }
});
