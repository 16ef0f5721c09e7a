import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { GuestRoot } from '../../../src/helper/linux/guest-path.ts';

describe('GuestRoot', () => {
  let scratch: string;
  let root: string;
  let guest: GuestRoot;
  let outside: string;

  beforeEach(async () => {
    scratch = await fs.mkdtemp(join(tmpdir(), 'snf-image-guest-path-'));
    root = join(scratch, 'root');
    outside = join(scratch, 'outside');
    await fs.mkdir(join(root, 'etc/sub'), { recursive: true });
    await fs.mkdir(outside);
    await fs.writeFile(join(outside, 'file'), 'outside\n');
    guest = new GuestRoot(root);
  });
  afterEach(async () => fs.rm(scratch, { recursive: true, force: true }));

  it('follows an absolute symlink from the guest root, as a chroot does', async () => {
    await fs.writeFile(join(root, 'etc/real'), 'inside\n');
    await fs.symlink('/etc/real', join(root, 'etc/link'));
    assert.equal(await guest.resolve('/etc/link'), join(root, 'etc/real'));
    assert.equal(await guest.readText('/etc/link'), 'inside\n');
  });

  it('stops `..` at the guest root', async () => {
    await fs.symlink('../../../../../../etc/real', join(root, 'etc/sub/up'));
    assert.equal(await guest.resolve('/etc/sub/up'), join(root, 'etc/real'));
    assert.equal(await guest.resolve('/../../etc/x'), join(root, 'etc/x'));
  });

  it('resolves symlinked directories inside the guest', async () => {
    await fs.symlink('sub', join(root, 'etc/alias'));
    await fs.symlink(outside, join(root, 'etc/escape'));
    assert.equal(await guest.resolve('/etc/alias/f'), join(root, 'etc/sub/f'));
    assert.equal(await guest.resolve('/etc/escape/file'), join(root, outside, 'file'));
  });

  it('never reads a file outside the guest through a symlink', async () => {
    await fs.symlink(join(outside, 'file'), join(root, 'etc/abs'));
    await fs.symlink(`${'../'.repeat(20)}${join(outside, 'file').slice(1)}`, join(root, 'etc/rel'));
    assert.equal(await guest.readText('/etc/abs'), undefined);
    assert.equal(await guest.readText('/etc/rel'), undefined);
  });

  it('never writes outside the guest through a symlink, and says where the link led', async () => {
    await fs.symlink(join(outside, 'file'), join(root, 'etc/abs'));
    await assert.rejects(guest.writeFile('/etc/abs', 'x'), /guest path \/etc\/abs: its directory .*outside does not exist in the guest/);
    assert.equal(await fs.readFile(join(outside, 'file'), 'utf8'), 'outside\n');
  });

  it('writes through a symlink to its target inside the guest, keeping the link', async () => {
    await fs.writeFile(join(root, 'etc/real'), 'old\n');
    await fs.chmod(join(root, 'etc/real'), 0o640);
    await fs.symlink('real', join(root, 'etc/link'));
    await guest.writeFile('/etc/link', 'new\n');
    assert.equal(await fs.readlink(join(root, 'etc/link')), 'real');
    assert.equal(await fs.readFile(join(root, 'etc/real'), 'utf8'), 'new\n');
    assert.equal((await fs.stat(join(root, 'etc/real'))).mode & 0o7777, 0o640, 'the mode of the replaced file is kept');
  });

  it('replaces files atomically, leaving no temporary file behind', async () => {
    await guest.writeFile('/etc/new', 'data', { mode: 0o600, uid: 1000, gid: 1000 });
    const stats = await fs.stat(join(root, 'etc/new'));
    assert.deepEqual([stats.mode & 0o7777, stats.uid, stats.gid], [0o600, 1000, 1000]);
    assert.deepEqual(await fs.readdir(join(root, 'etc')), ['new', 'sub']);
  });

  it('refuses to write over a directory and to follow a symlink loop', async () => {
    await assert.rejects(guest.writeFile('/etc/sub', 'x'), /is not a regular file/);
    await fs.symlink('loop-b', join(root, 'etc/loop-a'));
    await fs.symlink('loop-a', join(root, 'etc/loop-b'));
    await assert.rejects(guest.resolve('/etc/loop-a'), /too many levels of symbolic links/);
  });

  it('makes missing directories with the mode and owner asked, and removes a symlink rather than its target', async () => {
    await guest.makeDirectories('/home/u/.ssh', { mode: 0o700, uid: 1000, gid: 1000 });
    const stats = await fs.stat(join(root, 'home/u/.ssh'));
    assert.deepEqual([stats.mode & 0o7777, stats.uid], [0o700, 1000]);
    await fs.symlink(join(outside, 'file'), join(root, 'etc/abs'));
    await guest.remove('/etc/abs');
    assert.equal(await fs.readFile(join(outside, 'file'), 'utf8'), 'outside\n');
  });

  it('refuses relative guest paths', async () => {
    await assert.rejects(guest.resolve('etc/passwd'), /is not absolute/);
  });
});
