import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { GuestRoot } from '../../../src/helper/linux/guest-path.ts';
import { detectInterfaceNaming } from '../../../src/helper/linux/network/interface-naming.ts';
import { removeScratch, scratchDir, writeTree, type TreeSpec } from '../tasks/support/guest-trees.ts';

const scratches: string[] = [];
afterEach(async () => Promise.all(scratches.splice(0).map(removeScratch)));

const UDEV_RULE = { '/usr/lib/udev/rules.d/80-net-setup-link.rules': 'SUBSYSTEM=="net", IMPORT{builtin}="net_setup_link"\n' };

async function naming(spec: TreeSpec) {
  const scratch = await scratchDir('naming');
  scratches.push(scratch);
  const root = join(scratch, 'root');
  await writeTree(root, spec);
  return detectInterfaceNaming(new GuestRoot(root));
}

describe('interface naming', () => {
  it('is predictable where udev has its naming rule', async () => {
    assert.equal((await naming(UDEV_RULE)).scheme, 'predictable');
  });

  it('is the kernel\'s where the GRUB configuration sets net.ifnames=0', async () => {
    const found = await naming({ ...UDEV_RULE, '/etc/default/grub': 'GRUB_CMDLINE_LINUX="console=ttyS0 net.ifnames=0"\n' });
    assert.deepEqual(found, { scheme: 'kernel', reason: 'net.ifnames=0 in /etc/default/grub' });
  });

  it('reads net.ifnames=0 in a generated grub.cfg and a grub.d drop-in too', async () => {
    assert.equal((await naming({ ...UDEV_RULE, '/boot/grub/grub.cfg': "\tlinux /vmlinuz root=/dev/vda1 ro net.ifnames=0\n" })).scheme, 'kernel');
    assert.equal((await naming({ ...UDEV_RULE, '/etc/default/grub.d/50-net.cfg': 'GRUB_CMDLINE_LINUX="$GRUB_CMDLINE_LINUX net.ifnames=0"\n' })).scheme, 'kernel');
  });

  it('ignores net.ifnames=0 in a comment, and other values', async () => {
    const found = await naming({ ...UDEV_RULE, '/etc/default/grub': '# GRUB_CMDLINE_LINUX="net.ifnames=0"\nGRUB_CMDLINE_LINUX="net.ifnames=01 xnet.ifnames=0"\n' });
    assert.equal(found.scheme, 'predictable');
  });

  it('is the kernel\'s where udev\'s naming rule or default .link is masked in /etc', async () => {
    assert.equal((await naming({ ...UDEV_RULE, '/etc/udev/rules.d/80-net-setup-link.rules': { symlink: '/dev/null' } })).scheme, 'kernel');
    assert.equal((await naming({ ...UDEV_RULE, '/etc/systemd/network/99-default.link': '' })).scheme, 'kernel');
  });

  it('is the kernel\'s where udev is too old to name NICs, or absent', async () => {
    assert.equal((await naming({ '/lib/udev/rules.d/75-persistent-net-generator.rules': '# old udev\n' })).scheme, 'kernel');
  });
});
