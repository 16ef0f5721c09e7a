import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { LoopDisks } from './support/loop-disk.ts';
import { runHelperProgram } from './support/run-helper-program.ts';

const PASSWORD = `pw-${randomBytes(8).toString('hex')}`;
const KEY = `ssh-ed25519 AAAAC3Nza${randomBytes(12).toString('hex')} operator@example.org`;
const SECRETS = [PASSWORD, KEY.split(' ')[1]!];
const TASKS = ['MountImage', 'ChangePassword', 'UmountImage'];

/**
 * The real helper program setting a password and keys on a real disk, under
 * strace: the secrets reach no program it starts (mount, umount, ...), and
 * its result, monitor lines and trace never show them.
 */
describe('secrets in the helper', { skip: process.getuid?.() !== 0 ? 'needs root for loop devices and mounts' : false }, () => {
  const disks = new LoopDisks();
  after(() => disks.release());

  it('keeps the password and keys out of every program the helper starts and of its outputs', async () => {
    const files = {
      'etc/fstab': 'LABEL=root / ext4 defaults 0 1\n',
      'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\n',
      'etc/shadow': 'root:*:19000:0:99999:7:::\n',
      'root/.profile': '',
    };
    const disk = await disks.create({ table: 'dos', imageMiB: 64, diskMiB: 64, partitions: [{ type: 'L', fs: 'ext4', label: 'root', files }] });
    const workdir = await disks.workdir();
    const straceLog = join(workdir, 'helper-strace.log');
    const env = { HOSTNAME: 'vm1', PROPERTIES: JSON.stringify({ OSFAMILY: 'linux', ROOT_PARTITION: '1' }), PASSWD: PASSWORD, AUTH_KEYS: KEY };
    const run = await runHelperProgram(workdir, [disk], env, TASKS, ['strace', '-f', '-qq', '-v', '-s', '1000000', '-e', 'trace=execve', '-o', straceLog]);
    assert.equal(run.result, 'SUCCESS\n', run.stderr);

    const children = (await readFile(straceLog, 'utf8')).split('\n').filter((line) => /\bexecve\(/.test(line)).slice(1);
    assert.ok(children.some((line) => line.includes('execve("/usr/bin/mount"') || line.includes('execve("/bin/mount"')), 'mount was started, so it was checked');
    for (const line of children) for (const secret of SECRETS) assert.ok(!line.includes(secret), `a secret reached a child: ${line.slice(0, 200)}`);
    const outputs = [run.stderr, run.result, run.monitor.join('\n'), JSON.stringify(run.trace)];
    for (const text of outputs) for (const secret of SECRETS) assert.ok(!text.includes(secret), `a secret in an output: ${text.slice(0, 200)}`);
  });
});
