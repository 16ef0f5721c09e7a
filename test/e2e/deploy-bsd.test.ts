import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { ensureHelperImage } from '../../src/helper-image/build.ts';
import { deploy } from '../../src/ganeti/create.ts';
import { createLogger } from '../../src/log.ts';
import { oneDiskCreateEnvironment, writeConfigFile } from '../../src/demo/create-environment.ts';
import { readBsdLayout } from '../../src/helper/bsd/bsd-slice.ts';
import { FS_SWAP } from '../../src/helper/bsd/disklabel.ts';
import { readPartitionTable } from '../../src/helper/partition-table.ts';
import { realProcesses } from '../../src/effects/real/processes.ts';
import { GPT_FREEBSD_SWAP } from '../../src/helper/tasks/fix-partition-table.ts';
import { readUfsFile } from '../helper/bsd/support/grub-ufs.ts';
import { BSD_TREES } from '../helper/bsd/support/bsd-trees.ts';
import { writeBsdImage, writeFreebsdGptImage } from '../helper/bsd/support/bsd-image.ts';

const MiB = 1024 * 1024;
const DISK_MiB = 512;
const PASSWORD = 'bsd pass phrase';
const SWAP_MiB = 32;
/** How each BSD's fstab names the swap partition AddSwap adds (the OpenBSD fixture's label has DUID 0123456789abcdef). */
const SWAP_DEVICE = { freebsd: '/dev/gpt/swapfs', openbsd: '0123456789abcdef.b', netbsd: 'ROOT.b' } as const;
const swapLine = (family: keyof typeof SWAP_DEVICE) => `${SWAP_DEVICE[family]}\tnone\tswap\tsw\t0\t0`;

/**
 * A check run by the helper itself on a second deployment of the same disk
 * (img_id null: the disk as it is): the UFS root is mounted afresh, so what
 * it reads is what the first deployment left on the disk. It fails, naming
 * the file, when a check does not hold.
 */
function readBackScript(family: keyof typeof SWAP_DEVICE, name: string): string {
  const checks = [
    `grep -q '^${SWAP_DEVICE[family]}\tnone\tswap\tsw\t0\t0$' etc/fstab`,
    family === 'freebsd' ? `grep -qx 'hostname="${name}"' etc/rc.conf` : `grep -qx '${name}' etc/myname`,
    `grep -q '^root:\\$' etc/master.passwd && ! grep -q 'image\\$imagehash\\|imagehashimagehash' etc/master.passwd`,
    'grep -q pwd_mkdb etc/rc.local',
    '! ls etc/ssh/ssh_host_* >/dev/null 2>&1',
    family === 'freebsd' ? `grep -qx 'growfs_enable="YES"' etc/rc.conf && test -e firstboot` : family === 'netbsd' ? `grep -qx 'resize_root="YES"' etc/rc.conf` : 'grep -q "^/sbin/growfs -y 0123456789abcdef.a$" etc/rc.firsttime',
    `test "$(cat etc/motd.snf)" = "from personality"`,
    // The instance's one NIC, with no IP: DEFAULT_NIC_CONFIG's DHCP on the virtio interface.
    `grep -qi dhcp ${{ freebsd: 'etc/rc.conf', openbsd: 'etc/hostname.vio0', netbsd: 'etc/ifconfig.vioif0' }[family]}`,
  ];
  return `#!/bin/sh\ncd "$SNF_IMAGE_TARGET" || exit 1\n${checks.map((c, i) => `${c} || { echo "read-back check ${i + 1} failed: ${c.replace(/"/g, "'")}" >&2; exit 1; }`).join('\n')}\n`;
}

describe('deploying BSD images through the real helper VM', { timeout: 30 * 60_000, skip: process.getuid?.() !== 0 ? 'needs root' : false }, () => {
  let helperDir: string;
  let work: string;
  before(async () => {
    helperDir = await ensureHelperImage({ log: createLogger('warn') });
    work = await mkdtemp(join(tmpdir(), 'e2e-bsd-'));
  });
  after(() => rm(work, { recursive: true, force: true }));

  async function create(dir: string, name: string, imgId: string, parameters: Record<string, string>) {
    const disk = join(dir, 'disk0');
    const configFile = join(dir, 'snf-image.conf');
    await writeConfigFile(configFile, { IMAGE_DIR: dir, HELPER_DIR: helperDir, HELPER_ACCEL: 'tcg', TRACE_DIR: join(dir, 'traces'), HELPER_SOFT_TIMEOUT: '900' });
    const stdout: string[] = [];
    const env = oneDiskCreateEnvironment({ name, disk, mac: 'aa:00:00:b5:d0:01', configFile, parameters: { OSP_IMG_ID: imgId, OSP_IMG_FORMAT: 'diskdump', ...parameters } });
    const result = await deploy(env, { log: createLogger('warn'), stdout: new Writable({ write: (c, _e, done) => void (stdout.push(String(c)), done()) }) as never });
    const monitor = stdout.join('').split('\n').filter((l) => l.startsWith('[MONITOR] ')).map((l) => JSON.parse(l.slice(10)) as Record<string, unknown>);
    return { ok: result.output.ok, failure: result.output.failure, monitor, disk };
  }

  // UFS2 as Debian's makefs writes it, superblock at 8 KiB: the helper's ufs.ko looks there too (docs/bsd.md, "UFS2").
  const layouts = [
    { family: 'openbsd', version: 1 },
    { family: 'openbsd', version: 2 },
    { family: 'netbsd', version: 1 },
    { family: 'netbsd', version: 2 },
    { family: 'freebsd', version: 1 },
    { family: 'freebsd', version: 2 },
  ] as const;

  for (const { family, version } of layouts) {
    it(`grows and customizes a ${family} image (UFS${version}${family === 'freebsd' ? ' on GPT' : ' in a disklabel'}) with a swap partition, then reads it back`, async () => {
      const dir = join(work, `${family}-ufs${version}`);
      await mkdir(dir, { recursive: true });
      const image = join(dir, `${family}.img`);
      const files = BSD_TREES[family];
      if (family === 'freebsd') await writeFreebsdGptImage(image, { imageMiB: 96, version, files, workdir: dir });
      else await writeBsdImage(image, { flavour: family, imageMiB: 96, diskMiB: 96, ufs: { version, files }, workdir: dir });
      await writeFile(join(dir, 'disk0'), '');
      await truncate(join(dir, 'disk0'), DISK_MiB * MiB);
      const name = `${family}1.example.org`;
      const personality = JSON.stringify([{ path: '/etc/motd.snf', contents: Buffer.from('from personality').toString('base64'), owner: 'root', group: 'wheel', mode: 0o644 }]);

      const first = await create(dir, name, `${family}.img`, { OSP_IMG_PASSWD: PASSWORD, OSP_IMG_PERSONALITY: personality, OSP_IMG_PROPERTIES: JSON.stringify({ SWAP: `2:${SWAP_MiB}` }) });
      const errors = first.monitor.filter((m) => m.type === 'image-error' || m.subtype === 'error');
      assert.ok(first.ok, JSON.stringify(first.failure ?? errors));
      const warnings = first.monitor.filter((m) => m.subtype === 'warning').map((m) => String(m.messages));
      assert.ok(warnings.some((w) => /grown by (FreeBSD|OpenBSD|NetBSD) at first boot/.test(w)), warnings.join('\n'));
      assert.ok(warnings.some((w) => w.includes('Detected OSFAMILY: ' + family)), warnings.join('\n'));

      // The swap partition, read back from the deployed disk: at the end, with the root grown up to it.
      const sectors = (DISK_MiB * MiB) / 512;
      let root: { start: number; size: number };
      if (family === 'freebsd') {
        const table = await readPartitionTable(realProcesses, first.disk);
        const [data, swap] = table.partitions;
        assert.deepEqual([swap?.number, swap?.type, swap?.name], [2, GPT_FREEBSD_SWAP, 'swapfs'], JSON.stringify(table));
        assert.equal(swap!.start + swap!.size - 1, table.lastLba, 'the swap partition ends the GPT');
        assert.ok(swap!.size >= SWAP_MiB * 2048);
        assert.equal(data!.start + data!.size, swap!.start, 'the freebsd-ufs partition grew up to the swap partition');
        const verify = await realProcesses.run('sgdisk', ['--verify', first.disk], { allowFailure: true });
        assert.match(verify.stdout, /No problems found/, verify.stdout);
        root = data!;
      } else {
        const { slice, label } = await readBsdLayout(first.disk, sectors);
        assert.equal(slice.start + slice.size, sectors, 'the slice reaches the end of the disk');
        assert.equal(label.sectors, sectors, 'the label records the new disk size');
        const [a, b] = [label.partitions[0]!, label.partitions[1]!];
        const end = family === 'openbsd' ? Math.floor(sectors / 16065) * 16065 : sectors;
        assert.deepEqual([b.fstype, b.offset + b.size], [FS_SWAP, end], 'partition b is swap and ends the label');
        assert.ok(b.size >= SWAP_MiB * 2048);
        assert.ok(a.offset + a.size <= b.offset && a.offset + a.size > b.offset - 32, 'the root partition a grew up to b');
        root = { start: a.offset, size: a.size };
      }
      // The files the helper wrote through Linux's ufs driver, read on the host by GRUB's UFS reader.
      const fstab = await readUfsFile(first.disk, root, '/etc/fstab');
      assert.ok(fstab.split('\n').includes(swapLine(family)), fstab);
      assert.equal(await readUfsFile(first.disk, root, '/etc/motd.snf'), 'from personality');

      const check = Buffer.from(readBackScript(family, name)).toString('base64');
      // Detected again: with b after it the root partition a is no longer the whole slice, and Linux numbers it 5.
      const second = await create(dir, name, 'null', {
        OSP_IMG_PROPERTIES: JSON.stringify({ CUSTOM_TASK: check, EXCLUDE_TASK_CONFIGURENETWORK: 'yes', EXCLUDE_TASK_DELETESSHKEYS: 'yes' }),
      });
      const failure = second.monitor.filter((m) => m.type === 'image-error' || m.subtype === 'error');
      assert.ok(second.ok, JSON.stringify(second.failure ?? failure));
    });
  }
});
