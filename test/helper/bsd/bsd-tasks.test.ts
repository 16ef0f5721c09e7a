import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { Secret } from '../../../src/effects/secret.ts';
import { findTask } from '../../../src/helper/tasks/index.ts';
import { setMasterPasswdHash } from '../../../src/helper/bsd/master-passwd.ts';
import { setRcValue } from '../../../src/helper/bsd/rc-conf.ts';
import { assertGolden } from '../tasks/support/golden.ts';
import { removeScratch, scratchDir, writeTree } from '../tasks/support/guest-trees.ts';
import { runTaskOn } from '../tasks/support/run-task.ts';
import { BSD_TREES } from './support/bsd-trees.ts';

const NAME = 'web1.example.org';
const HASH = '$6$0123456789abcdef$HashOfThePasswordGivenAsImgPasswdHashHashOfThePasswordGivenAsImg';
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGb0ZJ2J2jvNqB0WcC6v0hH2dTzj2m3E7O8oJ8l2a5hQ user@example.org';
const FAMILIES = ['freebsd', 'openbsd', 'netbsd'] as const;
const scratches: string[] = [];
afterEach(async () => Promise.all(scratches.splice(0).map(removeScratch)));

async function bsdTree(family: (typeof FAMILIES)[number]): Promise<string> {
  const scratch = await scratchDir(`bsd-${family}`);
  scratches.push(scratch);
  const root = join(scratch, 'root');
  await writeTree(root, BSD_TREES[family]);
  return root;
}

const task = (name: string) => findTask(name)!;
/** The kept rc.local gets a random name; the report shows it as XXXXXXXX. */
const stable = (report: string) => report.replace(/snf_image_[0-9a-f]{8}/g, 'snf_image_XXXXXXXX');

describe('BSD tasks on guest trees', () => {
  for (const family of FAMILIES) {
    it(`AssignHostname writes the name where ${family} keeps it`, async () => {
      const root = await bsdTree(family);
      const run = await runTaskOn(task('AssignHostname'), root, { HOSTNAME: NAME, PROPERTY_OSFAMILY: family });
      await assertGolden(`assign-hostname/${family}`, run.report);
    });

    it(`ChangePassword sets root's hash in ${family}'s master.passwd, adds the key, and has the databases rebuilt at first boot`, async () => {
      const root = await bsdTree(family);
      const run = await runTaskOn(task('ChangePassword'), root, { PASSWD_HASH: new Secret(HASH), AUTH_KEYS: new Secret(KEY), PROPERTY_OSFAMILY: family, PROPERTY_USERS: 'root' });
      await assertGolden(`change-password/${family}`, stable(run.report));
      assert.deepEqual(run.warnings, ['The password is in /etc/master.passwd; the guest rebuilds its password databases from it at first boot (pwd_mkdb in /etc/rc.local)']);
    });

    it(`DeleteSSHKeys removes ${family}'s host keys, which its sshd makes again at boot`, async () => {
      const root = await bsdTree(family);
      const run = await runTaskOn(task('DeleteSSHKeys'), root, { HOSTNAME: NAME, PROPERTY_OSFAMILY: family });
      await assertGolden(`delete-ssh-keys/${family}`, run.report);
    });
  }

  /** Two virtio NICs (static IPv4 with SLAAC, DHCP) and an e1000 with DHCPv6, as Ganeti passes them. */
  const NICS = {
    NIC_COUNT: '3',
    DHCP_TAGS: 'dhcp',
    STATEFUL_DHCPV6_TAGS: 'dhcpv6',
    NIC_0_MAC: 'aa:00:00:00:00:01', NIC_0_FRONTEND_TYPE: 'paravirtual', NIC_0_IP: '192.0.2.10', NIC_0_NETWORK_SUBNET: '192.0.2.0/24', NIC_0_NETWORK_GATEWAY: '192.0.2.1', NIC_0_NETWORK_GATEWAY6: 'fe80::1', NIC_0_NETWORK_SUBNET6: '2001:db8::/64',
    NIC_1_MAC: 'aa:00:00:00:00:02', NIC_1_FRONTEND_TYPE: 'paravirtual', NIC_1_IP: '198.51.100.7', NIC_1_NETWORK_SUBNET: '198.51.100.0/24', NIC_1_NETWORK_TAGS: 'dhcp',
    NIC_2_MAC: 'aa:00:00:00:00:03', NIC_2_FRONTEND_TYPE: 'e1000', NIC_2_NETWORK_GATEWAY6: 'fe80::1', NIC_2_NETWORK_TAGS: 'dhcpv6',
  };

  for (const family of FAMILIES) {
    it(`ConfigureNetwork writes ${family}'s own network files, the interfaces named by driver and model`, async () => {
      const root = await bsdTree(family);
      const run = await runTaskOn(task('ConfigureNetwork'), root, { ...NICS, PROPERTY_OSFAMILY: family });
      await assertGolden(`configure-network/${family}`, run.report);
      if (family !== 'freebsd') assert.ok(run.warnings.some((w) => w.startsWith(`DHCPv6 is not configured on ${family === 'openbsd' ? 'OpenBSD' : 'NetBSD'}`)), run.warnings.join('\n'));
    });
  }

  it('refuses a NIC model the BSD has no driver for, naming it', async () => {
    const root = await bsdTree('openbsd');
    await assert.rejects(runTaskOn(task('ConfigureNetwork'), root, { NIC_COUNT: '1', NIC_0_MAC: 'aa:00:00:00:00:01', NIC_0_FRONTEND_TYPE: 'virtio-fancy', DEFAULT_NIC_CONFIG: 'dhcp', PROPERTY_OSFAMILY: 'openbsd' }), {
      message: /^NIC 0 is a virtio-fancy, which openbsd has no known driver for/,
    });
  });

  for (const family of ['freebsd', 'netbsd'] as const) {
    it(`FilesystemResizeMounted has ${family} grow its root at first boot, and says so`, async () => {
      const root = await bsdTree(family);
      const run = await runTaskOn(task('FilesystemResizeMounted'), root, { PROPERTY_OSFAMILY: family, DEV: '/dev/vdb', RESIZE_PART: '1' });
      await assertGolden(`filesystem-resize-mounted/${family}`, run.report);
      assert.match(run.warnings[0]!, /^The root filesystem is grown by (FreeBSD|NetBSD) at first boot/);
    });
  }

  it('NetBSD keeps its own rc.local: the first-boot script puts it back and sources it', async () => {
    const root = await bsdTree('netbsd');
    await runTaskOn(task('ChangePassword'), root, { PASSWD_HASH: new Secret(HASH), PROPERTY_OSFAMILY: 'netbsd', PROPERTY_USERS: 'root' });
    const kept = (await fs.readdir(join(root, 'etc'))).find((name) => name.startsWith('rc.local.snf_image_'))!;
    assert.equal(await fs.readFile(join(root, 'etc', kept), 'utf8'), BSD_TREES.netbsd['/etc/rc.local']);
    assert.match(await fs.readFile(join(root, 'etc/rc.local'), 'utf8'), new RegExp(`mv /etc/${kept} /etc/rc.local && \\. /etc/rc.local\\n$`));
  });

  it('refuses a user master.passwd does not have, naming it', () => {
    assert.throws(() => setMasterPasswdHash(BSD_TREES.openbsd['/etc/master.passwd']!, 'nobody', HASH), { message: "User nobody does not exist in the guest's /etc/master.passwd" });
  });

  it('sets an rc.conf value in its last assignment, or appends it', () => {
    assert.equal(setRcValue('a="1"\nb="2"\na="3"\n', 'a', 'x'), 'a="1"\nb="2"\na="x"\n');
    assert.equal(setRcValue('b="2"', 'a', 'x'), 'b="2"\na="x"\n');
  });
});
