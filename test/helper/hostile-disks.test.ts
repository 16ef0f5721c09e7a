import assert from 'node:assert/strict';
import { open, stat, symlink } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import { realProcesses } from '../../src/effects/real/processes.ts';
import { partitionPath } from '../../src/helper/partition-nodes.ts';
import { e2fsckClean, helperMountpoints, stillMounted } from './support/disk-checks.ts';
import { diskDigest } from './support/disk-digest.ts';
import { LoopDisks, type ImageSpec } from './support/loop-disk.ts';
import { runHelperProgram, type HelperProgramRun } from './support/run-helper-program.ts';

const SECTOR = 512;
const guestFiles = { 'etc/fstab': 'LABEL=root / ext4 defaults 0 1\n', 'etc/hostname': 'image\n' };
const env = { HOSTNAME: 'vm1', PROPERTIES: JSON.stringify({}) };

/** Overwrites bytes of the image file at an offset. */
async function poke(file: string, offset: number, bytes: Buffer): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    await handle.write(bytes, 0, bytes.length, offset);
  } finally {
    await handle.close();
  }
}

/**
 * Points the link of an MBR image's last EBR (its second entry) back at an
 * EBR of the chain: `back` 0 is itself, 1 the one before it. The image holds
 * one primary, the extended partition (2) and two logical partitions.
 */
async function loopEbrChain(file: string, back: number): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    const sector = async (lba: number) => (await handle.read(Buffer.alloc(SECTOR), 0, SECTOR, lba * SECTOR)).buffer;
    const extendedStart = (await sector(0)).readUInt32LE(446 + 16 + 8);
    // Each EBR's link (second entry) gives the next EBR's start relative to the extended partition.
    const chain = [0];
    for (;;) {
      const next = (await sector(extendedStart + chain.at(-1)!)).readUInt32LE(446 + 16 + 8);
      if (next === 0) break;
      chain.push(next);
    }
    const link = Buffer.alloc(16);
    link.writeUInt8(0x05, 4);
    link.writeUInt32LE(chain.at(-1 - back)!, 8);
    link.writeUInt32LE(2048, 12);
    await handle.write(link, 0, 16, (extendedStart + chain.at(-1)!) * SECTOR + 446 + 16);
  } finally {
    await handle.close();
  }
}

/** The image's first partition starts at 1 MiB; e2fsprogs reads a filesystem inside an image file at an offset. */
const FIRST_PARTITION = 1024 * 1024;
const firstFilesystem = (file: string) => `${file}?offset=${FIRST_PARTITION}`;
/** The primary ext superblock is 1024 bytes into the filesystem. */
const SUPERBLOCK = FIRST_PARTITION + 1024;

/** Sets a feature bit the helper's e2fsprogs does not know, with debugfs, which writes the superblock's checksum. */
async function setUnknownFeature(file: string, field: 'feature_incompat' | 'feature_ro_compat', bit: number): Promise<void> {
  const current = Buffer.alloc(4);
  const handle = await open(file, 'r');
  await handle.read(current, 0, 4, SUPERBLOCK + (field === 'feature_incompat' ? 0x60 : 0x64)).finally(() => handle.close());
  await realProcesses.run('debugfs', ['-w', '-R', `ssv ${field} ${(current.readUInt32LE() | bit) >>> 0}`, firstFilesystem(file)]);
}

/** Overwrites the superblock of the journal (the journal inode's first block) with garbage. */
async function damageJournal(file: string): Promise<void> {
  const block = Number((await realProcesses.run('debugfs', ['-R', 'bmap <8> 0', firstFilesystem(file)])).stdout.trim());
  const blockSize = Number(/^Block size:\s+(\d+)/m.exec((await realProcesses.run('dumpe2fs', ['-h', firstFilesystem(file)])).stdout)![1]);
  await poke(file, FIRST_PARTITION + block * blockSize, Buffer.alloc(1024, 0xa5));
}


describe('helper program on hostile disks', { skip: process.getuid?.() !== 0 ? 'needs root for loop devices and mounts' : false }, () => {
  const disks = new LoopDisks();
  const runs: HelperProgramRun[] = [];
  after(async () => {
    await disks.release();
    assert.deepEqual(await stillMounted(runs.flatMap((run) => helperMountpoints(run.trace))), [], 'the helper left nothing mounted');
  });
  const runHelper = async (...args: Parameters<typeof runHelperProgram>): Promise<HelperProgramRun> => {
    const run = await runHelperProgram(...args);
    runs.push(run);
    return run;
  };

  /** Builds the damaged image on a grown disk, runs the helper on it and checks that it wrote nothing. */
  async function refusedRun(spec: ImageSpec): Promise<HelperProgramRun> {
    const disk = await disks.create(spec);
    const before = await diskDigest(disk);
    const run = await runHelper(await disks.workdir(), [disk], env);
    assert.equal(run.exitCode, 1);
    assert.equal(await diskDigest(disk), before, 'the disk is unchanged');
    return run;
  }

  it('refuses a GPT whose primary header CRC is bad, naming the intact backup, and writes nothing', async () => {
    const run = await refusedRun({
      table: 'gpt',
      imageMiB: 64,
      diskMiB: 256,
      partitions: [{ type: 'L', fs: 'ext4', label: 'root', files: guestFiles }],
      damage: (file) => poke(file, SECTOR + 16, Buffer.from('deadbeef', 'hex')),
    });
    assert.match(run.result, /^ERROR: DetectImageProperties: The primary GPT of \/dev\/loop\d+ is corrupt \(the header CRC does not match\)\. Its backup at sector 131071 is intact/);
  });

  it('refuses an MBR partition that reaches past the end of the disk, instead of shrinking it, and writes nothing', async () => {
    const run = await refusedRun({
      table: 'dos',
      imageMiB: 64,
      diskMiB: 128,
      partitions: [{ type: 'L', fs: 'ext4', label: 'root', files: guestFiles }],
      // Partition 1's size field (at 446 + 12) claims 1 GiB.
      damage: async (file) => {
        const size = Buffer.alloc(4);
        size.writeUInt32LE((1024 * 1024 * 1024) / SECTOR);
        await poke(file, 446 + 12, size);
      },
    });
    assert.match(run.result, /^ERROR: DetectImageProperties: Partition 1 of \/dev\/loop\d+ ends at sector 2099199, past the end of the disk \(262144 sectors\)/);
  });

  it("refuses to write root's keys through a ~/.ssh that is a symlink to /, leaving the guest's / as it was", async () => {
    const files = { ...guestFiles, 'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\n', 'etc/shadow': 'root:*:19000:0:99999:7:::\n', 'root/.profile': '' };
    const disk = await disks.create({ table: 'dos', imageMiB: 64, diskMiB: 64, partitions: [{ type: 'L', fs: 'ext4', label: 'root', files }] });
    const root = partitionPath(disk, 1);
    const build = await disks.mount(root, 'rw');
    await symlink('/', `${build}/root/.ssh`);
    const before = await stat(build);
    await disks.unmount(build);

    const properties = JSON.stringify({ OSFAMILY: 'linux', ROOT_PARTITION: '1' });
    const run = await runHelper(await disks.workdir(), [disk], { HOSTNAME: 'vm1', PROPERTIES: properties, AUTH_KEYS: 'ssh-ed25519 AAAAC3NzaKEY operator@example.org' }, ['MountImage', 'ChangePassword', 'UmountImage']);
    assert.equal(run.exitCode, 1);
    assert.equal(run.result, 'ERROR: ChangePassword: guest path /root/.ssh: is a symlink in the image: refusing to write the SSH keys of root through it\n');

    const after = await disks.mount(root, 'ro,noload');
    const now = await stat(after);
    assert.deepEqual([now.mode, now.uid, now.gid], [before.mode, before.uid, before.gid], "the guest's / keeps its mode and owner");
    await assert.rejects(stat(`${after}/authorized_keys`), 'no key file was written at the root');
  });

  it('refuses overlapping MBR partitions, and writes nothing', async () => {
    const run = await refusedRun({
      table: 'dos',
      imageMiB: 64,
      diskMiB: 128,
      partitions: [{ size: '32M', type: 'L', fs: 'ext4', label: 'root', files: guestFiles }, { type: 'L' }],
      // Partition 2 starts (at 446 + 16 + 8) in the middle of partition 1.
      damage: async (file) => {
        const start = Buffer.alloc(4);
        start.writeUInt32LE(4096);
        await poke(file, 446 + 16 + 8, start);
      },
    });
    assert.match(run.result, /^ERROR: DetectImageProperties: Partitions 1 and 2 of \/dev\/loop\d+ overlap/);
  });

  for (const [back, what] of [[0, 'itself'], [1, 'the EBR before it']] as const) {
    it(`refuses an extended partition whose last EBR links back to ${what}, at once and writing nothing`, async () => {
      const run = await refusedRun({
        table: 'dos',
        imageMiB: 64,
        diskMiB: 128,
        partitions: [{ size: '32M', type: 'L', fs: 'ext4', label: 'root', files: guestFiles }, { type: 'E' }, { size: '8M', type: 'L' }, { size: '8M', type: 'L' }],
        damage: (file) => loopEbrChain(file, back),
      });
      assert.match(run.result, /^ERROR: DetectImageProperties: The chain of logical partitions in the extended partition of \/dev\/loop\d+ loops back on itself \(partition \d+ repeats partition [56] at sector \d+\): the image's partition table is corrupt\n$/);
    });
  }

  const linux = JSON.stringify({ OSFAMILY: 'linux', ROOT_PARTITION: '1' });
  const extCases: [string, (file: string) => Promise<void>, RegExp][] = [
    [
      'a primary superblock with a bad magic number, naming the intact backup',
      (file) => poke(file, SUPERBLOCK + 0x38, Buffer.alloc(2)),
      /^ERROR: DetectImageProperties: The ext filesystem on partition 1 of \/dev\/loop\d+ has a damaged primary superblock \(Bad magic number in super-block\); its backup at block 8193 is intact: repair the image \(e2fsck -b 8193 -B 1024 on that partition\) before deploying it\n$/,
    ],
    [
      'a superblock whose checksum does not match',
      (file) => poke(file, SUPERBLOCK + 0x3fc, Buffer.alloc(4)),
      /^ERROR: DetectImageProperties: The ext4 filesystem on partition 1 of \/dev\/loop\d+ is damaged \(Superblock checksum does not match superblock\): repair the image \(e2fsck -f on that partition\) before deploying it\n$/,
    ],
    [
      "a damaged journal, which e2fsck would have deleted and recreated without a word",
      damageJournal,
      /^ERROR: DetectImageProperties: The ext4 filesystem on partition 1 of \/dev\/loop\d+ is damaged \(Journal superblock magic number invalid\): repair the image/,
    ],
    [
      'an incompatible feature the helper does not know, naming it',
      (file) => setUnknownFeature(file, 'feature_incompat', 0x100000),
      /^ERROR: DetectImageProperties: The ext4 filesystem on partition 1 of \/dev\/loop\d+ uses features the helper's e2fsprogs does not know \(FEATURE_I20\): it could not be checked, grown or mounted read-write; deploy it with a newer helper image, or turn the features off in the image\n$/,
    ],
    [
      'a read-only-compatible feature the helper does not know, naming it',
      (file) => setUnknownFeature(file, 'feature_ro_compat', 0x100000),
      /^ERROR: DetectImageProperties: The ext4 filesystem on partition 1 of \/dev\/loop\d+ uses features the helper's e2fsprogs does not know \(FEATURE_R20\)/,
    ],
  ];
  for (const [what, damage, sentence] of extCases) {
    for (const properties of [JSON.stringify({}), linux]) {
      it(`refuses an ext4 root with ${what}, before writing anything (${properties === linux ? 'properties given' : 'detected'})`, async () => {
        const disk = await disks.create({ table: 'dos', imageMiB: 64, diskMiB: 128, partitions: [{ type: 'L', fs: 'ext4', label: 'root', files: guestFiles }], damage });
        const before = await diskDigest(disk);
        const run = await runHelper(await disks.workdir(), [disk], { ...env, PROPERTIES: properties });
        assert.equal(run.exitCode, 1);
        assert.match(run.result, sentence);
        assert.equal(await diskDigest(disk), before, 'the disk is unchanged');
      });
    }
  }

  it('says on the monitor what e2fsck repaired when it repairs the root before growing it', async () => {
    const disk = await disks.create({
      table: 'dos',
      imageMiB: 64,
      diskMiB: 128,
      partitions: [{ type: 'L', fs: 'ext4', label: 'root', files: guestFiles }],
      // A wrong count of free blocks: e2fsck -p fixes it.
      damage: (file) => realProcesses.run('debugfs', ['-w', '-R', 'ssv free_blocks_count 17', firstFilesystem(file)]).then(() => undefined),
    });
    const run = await runHelper(await disks.workdir(), [disk], { ...env, PROPERTIES: linux });
    assert.equal(run.exitCode, 0, run.result);
    assert.ok(run.monitor.includes('WARNING: e2fsck repaired the ext4 filesystem of partition 1'), run.monitor.join('\n'));
    assert.equal(await e2fsckClean(partitionPath(disk, 1)), true);
  });
});
