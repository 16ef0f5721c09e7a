import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { execa } from 'execa';

/** scripts/ensure-setup.sh: the Debian packages each purpose brings onto a machine. */
const list = async (purpose: string) => {
  const { stdout } = await execa('sh', ['scripts/ensure-setup.sh', '--list', purpose]);
  return stdout.split('\n');
};

describe('ensure-setup.sh purposes', () => {
  it('gives the demo qemu, the disk tools and debootstrap, and no package that brings a daemon or a browser', async () => {
    const demo = await list('demo');
    for (const wanted of ['qemu-system-x86', 'qemu-utils', 'e2fsprogs', 'fdisk', 'debootstrap', 'squashfs-tools']) assert.ok(demo.includes(wanted), wanted);
    for (const unwanted of ['ganeti', 'openssh-server', 'chromium', 'xfsprogs']) assert.ok(!demo.includes(unwanted), unwanted);
  });

  it('gives a node only what create runs', async () => {
    assert.deepEqual(await list('node'), ['e2fsprogs', 'openssh-client', 'qemu-system-x86', 'qemu-utils', 'util-linux', 'xz-utils', 'zstd']);
  });

  it('gives the tests everything, Ganeti and Chromium included', async () => {
    const test = await list('test');
    for (const wanted of ['ganeti', 'chromium', 'debootstrap', 'qemu-system-x86', 'curl']) assert.ok(test.includes(wanted), wanted);
  });

  it('refuses a purpose it does not know, naming the ones it does', async () => {
    const result = await execa('sh', ['scripts/ensure-setup.sh', 'nodes'], { reject: false });
    assert.equal(result.exitCode, 2);
    assert.equal(result.stderr, 'setup: unknown purpose "nodes": use one of node helper demo bench test');
  });
});
