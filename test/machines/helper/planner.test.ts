import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkTaskValues, planTasks } from '../../../machines/helper/planner.ts';
import { orderTasks } from '../../../machines/helper/task-order.ts';
import { TASKS } from '../../../src/helper/tasks/index.ts';
import { declarationOf } from '../../../src/helper/task.ts';
import type { OsFamily, TaskDeclaration } from '../../../machines/helper/task-declaration.ts';

const plain = { excludable: true, fsResizeExcludable: false, mountedExcludable: false, cloudInitExcludable: false, overwritable: false };
const task = (name: string, priority: number, extra: Partial<TaskDeclaration> = {}): TaskDeclaration => ({
  name,
  priority,
  runAfter: [],
  runBefore: [],
  families: ['linux'],
  requires: [],
  uses: [],
  attributes: plain,
  ...extra,
});
const names = (tasks: readonly { name: string }[]) => tasks.map((t) => t.name);
const table = TASKS.map(declarationOf);
const DISK_TASKS = ['FixPartitionTable', 'FilesystemResizeUnmounted', 'MountImage', 'FilesystemResizeMounted', 'UmountImage'];
const plan = (properties: Record<string, string>, osFamily: OsFamily = 'linux', values: readonly string[] = []) =>
  planTasks({ tasks: table, osFamily, properties, isSet: (name) => values.includes(name) });
const step = (p: ReturnType<typeof plan>, name: string) => p.steps.find((s) => s.task === name)!;

describe('task order', () => {
  it('orders by priority, then by name in C-locale order', () => {
    assert.deepEqual(names(orderTasks([task('b', 50), task('a', 50), task('Z', 50), task('first', 10)])), ['first', 'Z', 'a', 'b']);
  });

  it('lets runAfter and runBefore win over priority', () => {
    const ordered = orderTasks([task('early', 10, { runAfter: ['late'] }), task('late', 90), task('middle', 50, { runBefore: ['late'] })]);
    assert.deepEqual(names(ordered), ['middle', 'late', 'early']);
  });

  it('ignores a dependency on a task that is not in the table', () => {
    assert.deepEqual(names(orderTasks([task('a', 20, { runAfter: ['Missing'] }), task('b', 10)])), ['b', 'a']);
  });

  it('rejects a cycle, naming the tasks in it', () => {
    assert.throws(() => orderTasks([task('a', 10, { runAfter: ['b'] }), task('b', 10, { runAfter: ['a'] }), task('c', 5)]), {
      name: 'TaskOrderError',
      message: 'tasks a, b wait for each other (runAfter/runBefore form a cycle)',
    });
  });

  it('runs the disk-layout tasks of the table in snf-image order, the mounted tasks between mounting and unmounting', () => {
    const ordered = names(orderTasks(table));
    assert.deepEqual(ordered.filter((n) => DISK_TASKS.includes(n)), DISK_TASKS);
    const mount = ordered.indexOf('MountImage');
    const umount = ordered.indexOf('UmountImage');
    for (const t of table.filter((t) => t.attributes.mountedExcludable && t.name !== 'MountImage' && t.name !== 'UmountImage')) {
      const at = ordered.indexOf(t.name);
      assert.ok(at > mount && at < umount, `${t.name} runs while the guest is mounted`);
    }
  });
});

describe('task plan', () => {
  it('runs every disk task of a Linux image by default, none overridable', () => {
    const p = plan({});
    for (const name of DISK_TASKS) assert.deepEqual(step(p, name), { task: name, run: true, overridable: false });
    assert.deepEqual(p.warnings, []);
  });

  it('skips a task named by EXCLUDE_TASK_<NAME>, whatever the case of the name', () => {
    const p = plan({ EXCLUDE_TASK_FIXPARTITIONTABLE: 'yes' });
    assert.deepEqual(step(p, 'FixPartitionTable'), { task: 'FixPartitionTable', run: false, overridable: false, skipWarning: 'Task FixPartitionTable was excluded and will not run.' });
  });

  it('ignores EXCLUDE_TASK_ for a task that is not excludable', () => {
    assert.equal(step(plan({ EXCLUDE_TASK_MOUNTIMAGE: 'yes', EXCLUDE_TASK_UMOUNTIMAGE: 'yes' }), 'MountImage').run, true);
  });

  it('skips the mounted tasks under EXCLUDE_MOUNTED_TASKS and keeps the unmounted ones', () => {
    const p = plan({ EXCLUDE_MOUNTED_TASKS: 'yes' });
    assert.deepEqual(p.steps.filter((s) => DISK_TASKS.includes(s.task) && s.run).map((s) => s.task), ['FixPartitionTable', 'FilesystemResizeUnmounted']);
    assert.equal(step(p, 'MountImage').skipWarning, undefined, 'the group is reported once, not per task');
    assert.equal(p.warnings.length, 1);
    assert.match(p.warnings[0]!, /^Tasks (\w+, )*MountImage(, \w+)* were excluded by EXCLUDE_MOUNTED_TASKS and will not run\.$/);
    assert.doesNotMatch(p.warnings[0]!, /FixPartitionTable/);
  });

  it('skips the filesystem-resize tasks under EXCLUDE_FILESYSTEMRESIZE_TASKS', () => {
    const p = plan({ EXCLUDE_FILESYSTEMRESIZE_TASKS: 'true' });
    assert.equal(step(p, 'FilesystemResizeUnmounted').run, false);
    assert.equal(step(p, 'FilesystemResizeMounted').run, false);
    assert.deepEqual(p.warnings, ['Tasks FilesystemResizeUnmounted, FilesystemResizeMounted, FilesystemResizeAfterUmount were excluded by EXCLUDE_FILESYSTEMRESIZE_TASKS and will not run.']);
    assert.equal(step(p, 'FixPartitionTable').run, true);
  });

  it('leaves growing the disk to cloud-init when CLOUD_INIT is set', () => {
    const p = plan({ CLOUD_INIT: 'on' });
    for (const name of ['FixPartitionTable', 'FilesystemResizeUnmounted', 'FilesystemResizeMounted']) {
      assert.equal(step(p, name).skipWarning, `Task ${name} not running when cloud-init enabled.`);
    }
    assert.equal(step(p, 'MountImage').run, true);
  });

  it('marks overwritable tasks overridable under ALLOW_MOUNTED_TASK_OVERWRITING', () => {
    const p = plan({ ALLOW_MOUNTED_TASK_OVERWRITING: 'yes' });
    assert.equal(step(p, 'FilesystemResizeMounted').overridable, true);
    assert.equal(step(p, 'MountImage').overridable, false);
    assert.equal(step(p, 'FixPartitionTable').overridable, false);
  });

  it('skips tasks that are not for the OS family without a warning', () => {
    assert.deepEqual(step(plan({}, 'windows'), 'AddSwap'), { task: 'AddSwap', run: false, overridable: false });
  });

  it('reads yes/no properties as check_yes_no does, warning once about odd values', () => {
    const p = planTasks({ tasks: [task('A', 10), task('B', 20)], osFamily: 'linux', properties: { EXCLUDE_TASK_A: 'maybe', CLOUD_INIT: '', EXCLUDE_TASK_B: 'Off' }, isSet: () => false });
    assert.deepEqual(p.warnings, ['Variable CLOUD_INIT is defined but empty; treating it as NO', 'Invalid value "maybe" for EXCLUDE_TASK_A; treating it as YES']);
    assert.deepEqual(p.steps.map((s) => s.run), [false, true]);
  });
});

describe('tasks a family lacks', () => {
  const hostname = task('AssignHostname', 50, { askedFor: { families: ['linux', 'openbsd'], whenSet: ['HOSTNAME'] } });
  const keys = task('DeleteSSHKeys', 50, { askedFor: { families: ['linux', 'openbsd'] } });
  const planFor = (tasks: TaskDeclaration[], properties: Record<string, string>, values: readonly string[]) =>
    planTasks({ tasks, osFamily: 'openbsd', properties, isSet: (name) => values.includes(name) });

  it('fails the plan when the deployment asks for a task the family has no implementation of, naming both', () => {
    assert.deepEqual(planFor([hostname], {}, ['HOSTNAME']).failure, {
      task: 'AssignHostname',
      reason: 'task AssignHostname is not implemented for OSFAMILY openbsd and the deployment sets HOSTNAME: no task ran; exclude the task with EXCLUDE_TASK_ASSIGNHOSTNAME=yes to deploy without it',
    });
  });

  it('does not fail for a task asked for only when a value is set, and the value is not set', () => {
    const p = planFor([hostname], {}, []);
    assert.equal(p.failure, undefined);
    assert.deepEqual(p.steps, [{ task: 'AssignHostname', run: false, overridable: false }]);
  });

  it('fails for a task asked for on every image of the family, and names the others it lacks too', () => {
    assert.deepEqual(planFor([keys, hostname], {}, ['HOSTNAME']).failure, {
      task: 'AssignHostname',
      reason: 'task AssignHostname is not implemented for OSFAMILY openbsd and the deployment sets HOSTNAME: no task ran; exclude the task with EXCLUDE_TASK_ASSIGNHOSTNAME=yes to deploy without it; it lacks DeleteSSHKeys too',
    });
    assert.match(planFor([keys], {}, []).failure!.reason, /^task DeleteSSHKeys is not implemented for OSFAMILY openbsd and snf-image does it for every openbsd image/);
  });

  it('lets an excluded task go, by its own EXCLUDE_TASK_ or by EXCLUDE_MOUNTED_TASKS', () => {
    const excluded = planFor([hostname], { EXCLUDE_TASK_ASSIGNHOSTNAME: 'yes' }, ['HOSTNAME']);
    assert.equal(excluded.failure, undefined);
    assert.deepEqual(excluded.steps, [{ task: 'AssignHostname', run: false, overridable: false, skipWarning: 'Task AssignHostname was excluded and will not run.' }]);
    const mounted = task('AssignHostname', 50, { askedFor: hostname.askedFor!, attributes: { ...plain, mountedExcludable: true } });
    assert.equal(planFor([mounted], { EXCLUDE_MOUNTED_TASKS: 'yes' }, ['HOSTNAME']).failure, undefined);
  });

  it('names the exclusion that applies to a task EXCLUDE_TASK_ cannot exclude', () => {
    const mountedOnly = task('AssignHostname', 50, { askedFor: hostname.askedFor!, attributes: { ...plain, excludable: false, mountedExcludable: true } });
    assert.match(planFor([mountedOnly], {}, ['HOSTNAME']).failure!.reason, /exclude the task with EXCLUDE_MOUNTED_TASKS=yes to deploy without it$/);
  });

  it('ignores a family the task is not asked for', () => {
    assert.equal(planTasks({ tasks: [hostname], osFamily: 'windows', properties: {}, isSet: () => true }).failure, undefined);
  });

  it('declares the password, hostname, files, network, swap and SSH host keys as asked for on every BSD family', () => {
    for (const name of ['AssignHostname', 'ChangePassword', 'EnforcePersonality', 'ConfigureNetwork', 'AddSwap', 'DeleteSSHKeys', 'FixPartitionTable']) {
      const declared = table.find((t) => t.name === name)!.askedFor?.families ?? [];
      for (const family of ['freebsd', 'openbsd', 'netbsd'] as const) assert.ok(declared.includes(family), `${name} is asked for on ${family}`);
    }
  });

  it('lets a Linux deployment of the task table through whatever it sets', () => {
    assert.equal(plan({}, 'linux', ['HOSTNAME', 'PASSWD', 'AUTH_KEYS', 'PERSONALITY', 'NIC_0_MAC', 'PROPERTY_SWAP', 'PROPERTY_CUSTOM_TASK']).failure, undefined);
  });
});

describe('task values', () => {
  const t = task('MountImage', 30, { requires: ['DEV', 'PROPERTY_ROOT_PARTITION'], uses: ['PROPERTY_USERS'] });

  it('fails a task whose required value is missing or empty, naming it', () => {
    const present = (name: string) => name === 'DEV';
    assert.deepEqual(checkTaskValues(t, present), {
      error: 'task MountImage needs PROPERTY_ROOT_PARTITION, which is not set',
      warnings: ['PROPERTY_USERS is not set; task MountImage goes on without it'],
    });
  });

  it('names every missing required value', () => {
    assert.equal(checkTaskValues(t, () => false).error, 'task MountImage needs DEV, PROPERTY_ROOT_PARTITION, which are not set');
  });

  it('only warns about a missing optional value', () => {
    assert.deepEqual(checkTaskValues(t, (name) => name !== 'PROPERTY_USERS'), { warnings: ['PROPERTY_USERS is not set; task MountImage goes on without it'] });
  });
});
