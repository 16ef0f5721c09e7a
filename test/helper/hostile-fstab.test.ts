import assert from 'node:assert/strict';
import { symlink } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { partitionPath } from '../../src/helper/partition-nodes.ts';
import { diskDigest } from './support/disk-digest.ts';
import { helperMountpoints, stillMounted } from './support/disk-checks.ts';
import { LoopDisks } from './support/loop-disk.ts';
import { runHelperProgram, type HelperProgramRun } from './support/run-helper-program.ts';

const DATA_UUID = '6a1b4f3e-2c2d-4e8f-9a0b-1c2d3e4f5a6b';
const FOREIGN_UUID = '0f0e0d0c-0b0a-4908-8706-050403020100';
const properties = JSON.stringify({ OSFAMILY: 'linux', ROOT_PARTITION: '1' });

const mountpoints = (run: HelperProgramRun) => helperMountpoints(run.trace);

/**
 * A guest whose /etc/fstab points at things that are not its own: the
 * config device's label, a filesystem on another disk of the helper's
 * machine, the helper's device names, bind mounts of / and /proc, a
 * mountpoint that climbs out with `..` or is a symlink to /. The helper
 * mounts the guest's own filesystems on the instance disk only.
 */
describe('helper program on a guest whose fstab points outside it', { skip: process.getuid?.() !== 0 ? 'needs root for loop devices and mounts' : false }, () => {
  const disks = new LoopDisks();
  const runs: HelperProgramRun[] = [];
  let foreign: string;
  let foreignDigest: string;
  before(async () => {
    // Another disk of the machine, like the config device (ext2 labelled snf-image): never given to the helper.
    foreign = await disks.create({ table: 'dos', imageMiB: 8, diskMiB: 8, partitions: [{ type: 'L', fs: 'ext4', label: 'snf-image', uuid: FOREIGN_UUID, files: { secret: 'not the guest' } }] });
    foreignDigest = await diskDigest(foreign);
  });
  after(async () => {
    assert.equal(await diskDigest(foreign), foreignDigest, 'the other disk was never written');
    await disks.release();
    assert.deepEqual(await stillMounted(runs.flatMap((run) => helperMountpoints(run.trace))), [], 'the helper left nothing mounted');
  });

  /** Runs the disk tasks on a guest with this fstab (after its root line) and a /link -> / symlink. */
  async function runWithFstab(lines: string): Promise<{ run: HelperProgramRun; disk: string }> {
    const files = { 'etc/fstab': `LABEL=root / ext4 defaults 0 1\n${lines}`, 'etc/hostname': 'image\n', 'srv/data/.keep': '', 'cfg/.keep': '', 'mnt/host/.keep': '', 'mnt/proc/.keep': '', 'mnt/etc/.keep': '' };
    const disk = await disks.create({
      table: 'dos',
      imageMiB: 64,
      diskMiB: 96,
      partitions: [{ size: '40M', type: 'L', fs: 'ext4', label: 'root', files }, { type: 'L', fs: 'ext4', label: 'data', uuid: DATA_UUID }],
    });
    const build = await disks.mount(partitionPath(disk, 1), 'rw');
    await symlink('/', `${build}/link`);
    await disks.unmount(build);
    const run = await runHelperProgram(await disks.workdir(), [disk], { HOSTNAME: 'vm1', PROPERTIES: properties });
    runs.push(run);
    const target = mountpoints(run)[0] ?? '';
    assert.match(target, /\/snf-image-target-/);
    for (const mountpoint of mountpoints(run)) assert.ok(mountpoint === target || mountpoint.startsWith(`${target}/`), `${mountpoint} is inside the guest`);
    return { run, disk };
  }

  it("mounts the guest's own filesystem where its fstab climbs out with .., and skips bind mounts and a missing nofail disk with warnings", async () => {
    const { run } = await runWithFstab(
      [
        `UUID=${DATA_UUID} /../../../srv/data ext4 defaults 0 2`,
        '/ /mnt/host none bind 0 0',
        '/proc /mnt/proc auto bind 0 0',
        '/etc /mnt/etc ext4 rbind 0 0',
        'proc /proc proc defaults 0 0',
        `UUID=${FOREIGN_UUID} /cfg ext4 defaults,nofail 0 2`,
        '',
      ].join('\n'),
    );
    assert.equal(run.result, 'SUCCESS\n', run.monitor.join('\n'));
    assert.deepEqual(mountpoints(run).slice(1).map((m) => m.replace(/^.*\/snf-image-target-[^/]+/, '')), ['/srv/data']);
    const warnings = run.monitor.filter((line) => line.startsWith('WARNING:'));
    assert.deepEqual(warnings, [
      'WARNING: Not mounting /mnt/proc from /etc/fstab: it is a bind mount of /proc, and only the guest\'s own filesystems are mounted',
      'WARNING: Not mounting /mnt/etc from /etc/fstab: it is a bind mount of /etc, and only the guest\'s own filesystems are mounted',
      `WARNING: Not mounting /cfg from /etc/fstab: UUID=${FOREIGN_UUID} is on none of the instance disks, and the entry says nofail`,
    ]);
  });

  const refused: [string, string, string][] = [
    ["the config device's label", 'LABEL=snf-image /cfg ext2 defaults 0 2', '/etc/fstab mounts /cfg from LABEL=snf-image, which is on none of the instance disks'],
    ["another disk's UUID", `UUID=${FOREIGN_UUID} /cfg ext4 defaults 0 2`, `/etc/fstab mounts /cfg from UUID=${FOREIGN_UUID}, which is on none of the instance disks`],
    ['the config device by its name in the helper', '/dev/vdb /cfg ext2 defaults 0 2', '/etc/fstab contains non-persistent block device name /dev/vdb (for /cfg): use UUID= or LABEL='],
    ["the helper's root by its name in the helper", '/dev/vda /cfg auto defaults 0 2', '/etc/fstab contains non-persistent block device name /dev/vda (for /cfg): use UUID= or LABEL='],
    ['a directory as if it were a device', '/proc /mnt/proc ext4 defaults 0 0', '/etc/fstab mounts /mnt/proc from /proc, which is not a device of the instance disks'],
    ['a mountpoint that is a symlink to /', 'LABEL=data /link ext4 defaults 0 2', '/etc/fstab mounts LABEL=data at /link, which leads to / in the image'],
  ];
  for (const [what, line, sentence] of refused) {
    it(`refuses an fstab entry naming ${what}, mounting nothing but the guest's root`, async () => {
      const { run } = await runWithFstab(`${line}\n`);
      assert.equal(run.exitCode, 1);
      assert.equal(run.result, `ERROR: MountImage: ${sentence}\n`);
      assert.equal(mountpoints(run).length, 1, 'only the root was mounted');
    });
  }
});
