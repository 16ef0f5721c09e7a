import assert from 'node:assert/strict';
import { mkdir, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { realProcesses } from '../../../src/effects/real/processes.ts';
import { LoopDisks } from '../support/loop-disk.ts';
import { runHelperProgram } from '../support/run-helper-program.ts';
import { GPT_FREEBSD_UFS } from './support/bsd-image.ts';

const MiB = 1024 * 1024;

describe('a UFS root Linux cannot read, on a real disk', { skip: process.getuid?.() !== 0 ? 'needs root for loop devices' : false }, () => {
  const disks = new LoopDisks();
  after(() => disks.release());

  it('refuses 8 KiB fragments before mounting, with a sentence saying why', async () => {
    const workdir = await disks.workdir();
    const tree = join(workdir, 'tree');
    await mkdir(join(tree, 'etc'), { recursive: true });
    await writeFile(join(tree, 'etc/fstab'), '/dev/gpt/rootfs / ufs rw 1 1\n');
    const file = join(workdir, 'freebsd-64k.img');
    await writeFile(file, '');
    await truncate(file, 48 * MiB);
    await realProcesses.run('sfdisk', ['--quiet', file], { input: `label: gpt\n2048,32MiB,${GPT_FREEBSD_UFS}\n` });
    const fs = join(workdir, 'ufs-64k.img');
    await realProcesses.run('makefs', ['-t', 'ffs', '-B', 'le', '-o', 'version=2,bsize=65536,fsize=8192', '-s', String(32 * MiB), fs, tree]);
    await realProcesses.run('dd', [`if=${fs}`, `of=${file}`, 'bs=512', 'seek=2048', 'conv=notrunc', 'status=none']);
    const disk = await disks.attach(file);
    const run = await runHelperProgram(workdir, [disk], { HOSTNAME: 'vm1', PROPERTIES: JSON.stringify({ OSFAMILY: 'freebsd', ROOT_PARTITION: '1' }) }, ['MountImage']);
    assert.equal(run.result, `ERROR: MountImage: The freebsd root ${disk}p1 is a UFS with 8192-byte fragments; Linux's ufs driver, which the helper customizes it with, reads fragments of at most 4096 bytes (make the filesystem with newfs -f 4096 or less)\n`, run.monitor.join('\n'));
  });
});
