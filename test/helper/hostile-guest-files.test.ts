import assert from 'node:assert/strict';
import { lstat, mkdir, readdir, readFile, rm, stat, symlink, truncate, writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { realProcesses } from '../../src/effects/real/processes.ts';
import { partitionPath } from '../../src/helper/partition-nodes.ts';
import { diskDigest } from './support/disk-digest.ts';
import { helperMountpoints, stillMounted } from './support/disk-checks.ts';
import { LoopDisks } from './support/loop-disk.ts';
import { runHelperProgram, type HelperProgramRun } from './support/run-helper-program.ts';

const TASKS = ['MountImage', 'AssignHostname', 'ChangeMachineId', 'ChangePassword', 'UmountImage'];
const env = { HOSTNAME: 'vm1', PROPERTIES: JSON.stringify({ OSFAMILY: 'linux', ROOT_PARTITION: '1', USERS: 'root' }), PASSWD: 'a new password' };
const MiB = 1024 * 1024;
const guestFiles = {
  'etc/fstab': 'LABEL=root / ext4 defaults 0 1\n',
  'etc/os-release': 'ID=debian\n',
  'etc/debian_version': '12.0\n',
  'etc/hostname': 'image\n',
  'etc/hosts': '127.0.0.1\tlocalhost\n127.0.1.1\timage\n',
  'etc/machine-id': '0123456789abcdef0123456789abcdef\n',
  'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\n',
  'etc/group': 'root:x:0:\n',
  'etc/shadow': 'root:*:19000:0:99999:7:::\n',
  'dev/.keep': '',
};

/**
 * Guest files that are symlinks into /proc, /dev or out of the guest, device
 * nodes, FIFOs and gigantic files, on a real ext4 disk, through the real
 * helper program: nothing outside the guest is read or written (another disk
 * of the machine stands for the helper's own and the config device), and no
 * task hangs or exhausts memory.
 */
describe('helper program on hostile guest files', { skip: process.getuid?.() !== 0 ? 'needs root for loop devices and mounts' : false }, () => {
  const disks = new LoopDisks();
  const runs: HelperProgramRun[] = [];
  let foreign: string;
  let foreignDigest: string;
  before(async () => {
    foreign = await disks.create({ table: 'dos', imageMiB: 8, diskMiB: 8, partitions: [{ type: 'L', fs: 'ext4', label: 'other', files: { secret: 'not the guest' } }] });
    foreignDigest = await diskDigest(foreign);
  });
  after(async () => {
    assert.equal(await diskDigest(foreign), foreignDigest, 'the other disk was never written');
    await disks.release();
    assert.deepEqual(await stillMounted(runs.flatMap((run) => helperMountpoints(run.trace))), [], 'the helper left nothing mounted');
  });

  /** Builds the guest, lets `prepare` change its root (mounted at the path it gets), runs the tasks; returns the run and a way to look at the result. */
  async function runOnGuest(prepare: (root: string) => Promise<void>, tasks = TASKS): Promise<{ run: HelperProgramRun; look: () => Promise<string> }> {
    const disk = await disks.create({ table: 'dos', imageMiB: 96, diskMiB: 96, partitions: [{ type: 'L', fs: 'ext4', label: 'root', files: guestFiles }] });
    const build = await disks.mount(partitionPath(disk, 1), 'rw');
    await prepare(build);
    await disks.unmount(build);
    const run = await runHelperProgram(await disks.workdir(), [disk], env, tasks);
    runs.push(run);
    return { run, look: () => disks.mount(partitionPath(disk, 1), 'ro,noload') };
  }

  const mknod = (path: string, ...args: string[]) => realProcesses.run('mknod', [path, ...args]).then(() => undefined);

  it("follows symlinks that climb out with .. or point into /proc inside the guest, where the hostname lands in the guest's file", async () => {
    const hostHosts = await readFile('/etc/hosts', 'utf8');
    const { run, look } = await runOnGuest(async (root) => {
      await writeFile(`${root}/etc/hosts.real`, '127.0.1.1\timage\n');
      await rm(`${root}/etc/hosts`);
      await symlink('/../../../../etc/hosts.real', `${root}/etc/hosts`);
      await rm(`${root}/etc/machine-id`);
      await symlink('/proc/sys/kernel/random/boot_id', `${root}/etc/machine-id`);
    });
    assert.equal(run.result, 'SUCCESS\n', run.monitor.join('\n'));
    assert.ok(run.monitor.includes('WARNING: /etc/machine-id does not exist in the image: not creating it'), run.monitor.join('\n'));
    const root = await look();
    assert.equal(await readFile(`${root}/etc/hosts.real`, 'utf8'), '127.0.1.1\tvm1\n');
    assert.ok((await lstat(`${root}/etc/hosts`)).isSymbolicLink(), 'the symlink stays');
    assert.equal(await readFile('/etc/hosts', 'utf8'), hostHosts, "the helper's own /etc/hosts is untouched");
  });

  it('refuses to write the hostname through a symlink into /proc', async () => {
    const { run } = await runOnGuest(async (root) => {
      await rm(`${root}/etc/hostname`);
      await symlink('/proc/self/environ', `${root}/etc/hostname`);
    });
    assert.equal(run.result, 'ERROR: AssignHostname: guest path /etc/hostname: its directory /proc/self does not exist in the guest\n');
  });

  it("refuses an /etc/shadow that is a symlink to a /dev node of another disk, reading nothing from that disk", async () => {
    const { rdev } = await stat(foreign);
    const { run } = await runOnGuest(async (root) => {
      await mknod(`${root}/dev/sda`, 'b', String(rdev >> 8), String(rdev & 0xff));
      await rm(`${root}/etc/shadow`);
      await symlink('/dev/sda', `${root}/etc/shadow`);
    });
    assert.equal(run.result, 'ERROR: ChangePassword: guest path /etc/shadow: is not a regular file (a block device): refusing to read it\n');
  });

  it('refuses an /etc/shadow that is a character device', async () => {
    const { run } = await runOnGuest(async (root) => {
      await rm(`${root}/etc/shadow`);
      await mknod(`${root}/etc/shadow`, 'c', '1', '5');
    });
    assert.equal(run.result, 'ERROR: ChangePassword: guest path /etc/shadow: is not a regular file (a character device): refusing to read it\n');
  });

  it('refuses an /etc/hosts that is a FIFO at once, instead of waiting for a writer', { timeout: 180_000 }, async () => {
    const { run } = await runOnGuest(async (root) => {
      await rm(`${root}/etc/hosts`);
      await realProcesses.run('mkfifo', [`${root}/etc/hosts`]);
    });
    assert.equal(run.result, 'ERROR: AssignHostname: guest path /etc/hosts: is not a regular file (a FIFO): refusing to read it\n');
  });

  it('refuses a 300 MiB /etc/shadow without reading it', async () => {
    const { run } = await runOnGuest(async (root) => {
      await truncate(`${root}/etc/shadow`, 300 * MiB);
    });
    assert.equal(run.result, 'ERROR: ChangePassword: guest path /etc/shadow: is 300 MiB, more than the 32 MiB a configuration file may have: refusing to read it\n');
  });

  it('replaces a 300 MiB /etc/hostname without reading it', async () => {
    const { run, look } = await runOnGuest(async (root) => {
      await truncate(`${root}/etc/hostname`, 300 * MiB);
    });
    assert.equal(run.result, 'SUCCESS\n', run.monitor.join('\n'));
    assert.equal(await readFile(`${await look()}/etc/hostname`, 'utf8'), 'vm1\n');
  });

  it('sets the password in an /etc/shadow with a single 24 MiB line, keeping that line', async () => {
    const line = 'x'.repeat(24 * MiB);
    const { run, look } = await runOnGuest(async (root) => {
      await writeFile(`${root}/etc/shadow`, `root:*:19000:0:99999:7:::\n${line}\n`);
    });
    assert.equal(run.result, 'SUCCESS\n', run.monitor.join('\n'));
    const [root, rest] = (await readFile(`${await look()}/etc/shadow`, 'utf8')).split('\n');
    assert.match(root!, /^root:\$6\$[^:]+:19000:0:99999:7:::$/);
    assert.equal(rest, line);
  });

  it('removes SSH host keys that are symlinks to a /dev node or FIFOs, without reading or writing through them', { timeout: 180_000 }, async () => {
    const { rdev } = await stat(foreign);
    const { run, look } = await runOnGuest(async (root) => {
      await mkdir(`${root}/etc/ssh`);
      await writeFile(`${root}/etc/ssh/sshd_config`, 'HostKey /etc/ssh/ssh_host_ed25519_key\nHostKey /etc/ssh/ssh_host_rsa_key\n');
      await mknod(`${root}/dev/sda`, 'b', String(rdev >> 8), String(rdev & 0xff));
      await symlink('/dev/sda', `${root}/etc/ssh/ssh_host_rsa_key`);
      await symlink('/dev/sda', `${root}/etc/ssh/ssh_host_rsa_key.pub`);
      await realProcesses.run('mkfifo', [`${root}/etc/ssh/ssh_host_ed25519_key`, `${root}/etc/ssh/ssh_host_ed25519_key.pub`]);
    }, ['MountImage', 'DeleteSSHKeys', 'UmountImage']);
    assert.equal(run.result, 'SUCCESS\n', run.monitor.join('\n'));
    const root = await look();
    assert.deepEqual((await readdir(`${root}/etc/ssh`)).sort(), ['sshd_config']);
    assert.ok((await lstat(`${root}/dev/sda`)).isBlockDevice(), 'the node itself stays');
  });
});
