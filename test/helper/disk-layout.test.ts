import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { partitionPath } from '../../src/helper/partition-nodes.ts';
import { TASKS } from '../../src/helper/tasks/index.ts';
import { diskSectors, e2fsckClean, filesystemBytes, helperMounts, partitionBytes, partitionTable } from './support/disk-checks.ts';
import { LoopDisks, treeDigest, type Filesystem } from './support/loop-disk.ts';
import { replayHelperTrace, transitionStates } from './support/replay-helper.ts';
import { DISK_TASKS, runHelperProgram, taskLines } from './support/run-helper-program.ts';
import { declarationOf } from '../../src/helper/task.ts';

const GPT_LINUX_SWAP = '0657FD6D-A4AB-43C4-84E5-0933C84B4F4F';
const BOOT_UUID = '0b0e0b0e-1111-4222-8333-444455556666';
const MiB = 1024 * 1024;

/** A guest tree: an fstab, and data the helper must leave exactly as it was. */
function guestFiles(fstab = 'LABEL=root / ext4 defaults 0 1\n'): Record<string, string | Buffer> {
  return {
    'etc/fstab': fstab,
    'etc/hostname': 'image\n',
    'srv/data/random.bin': randomBytes(300_000),
    'srv/data/nested/notes.txt': 'ünïcödé notes\n',
  };
}

const properties = (values: Record<string, string>) => ({ HOSTNAME: 'vm1', PROPERTIES: JSON.stringify(values) });

describe('helper program on real disks', { skip: process.getuid?.() !== 0 ? 'needs root for loop devices and mounts' : false }, () => {
  const disks = new LoopDisks();
  let workdir: string;
  before(async () => {
    workdir = await disks.workdir();
  });
  after(async () => {
    await disks.release();
    assert.deepEqual(await helperMounts(), [], 'the helper left nothing mounted');
  });

  /** Digest of /srv/data on a partition, mounted read-only for a moment. */
  async function dataDigest(device: string, fs: Filesystem): Promise<string> {
    const options = fs === 'ext4' ? 'ro,noload' : fs === 'xfs' ? 'ro,norecovery' : 'ro';
    const mountpoint = await disks.mount(device, options);
    try {
      return await treeDigest(`${mountpoint}/srv/data`);
    } finally {
      await disks.unmount(mountpoint);
    }
  }

  async function assertFillsPartition(device: string, fs: 'ext4' | 'xfs' | 'btrfs') {
    const slack = (await partitionBytes(device)) - (await filesystemBytes(device, fs));
    assert.ok(slack >= 0 && slack < 4 * MiB, `${fs} on ${device} leaves ${slack} bytes of its partition unused`);
  }

  it('grows a one-partition MBR ext4 image to fill a much larger disk, detecting OSFAMILY and ROOT_PARTITION', async () => {
    const disk = await disks.create({ table: 'dos', imageMiB: 64, diskMiB: 4096, partitions: [{ type: 'L', fs: 'ext4', label: 'root', files: guestFiles() }] });
    const root = partitionPath(disk, 1);
    const before = await dataDigest(root, 'ext4');
    const run = await runHelperProgram(workdir, [disk], properties({}));
    assert.equal(run.result, 'SUCCESS\n', run.stderr);
    assert.equal(run.exitCode, 0);
    assert.deepEqual(run.monitor, [
      'WARNING: Needed image properties are missing. Autodetecting them...',
      'WARNING: Detected OSFAMILY: linux',
      'WARNING: Detected ROOT_PARTITION: 1',
      ...taskLines(DISK_TASKS),
    ]);
    const table = await partitionTable(disk);
    const [p1] = table.partitions;
    assert.equal(p1!.start + p1!.size, await diskSectors(disk), 'partition 1 ends at the end of the disk');
    assert.ok(await e2fsckClean(root));
    await assertFillsPartition(root, 'ext4');
    assert.equal(await dataDigest(root, 'ext4'), before);
    const replayed = await replayHelperTrace(run.trace, TASKS.filter((t) => DISK_TASKS.includes(t.name)).map(declarationOf));
    assert.deepEqual(replayed.divergences, []);
    assert.deepEqual(replayed.unplayed, []);
    assert.deepEqual(replayed.states, transitionStates(run.trace), 'the trace replays through the machine to the same transitions');
    assert.equal(replayed.output.result, 'SUCCESS');
  });

  it('grows an extended partition and its last logical one, and adds a logical swap partition', async () => {
    const disk = await disks.create({
      table: 'dos',
      imageMiB: 96,
      diskMiB: 512,
      partitions: [
        { size: '40M', type: 'L', fs: 'ext4', label: 'root', files: guestFiles('LABEL=root / ext4 defaults 0 1\nLABEL=data /srv ext4 defaults 0 2\n') },
        { type: 'E' },
        { type: 'L', fs: 'ext4', label: 'data', files: { 'data/random.bin': randomBytes(200_000) } },
      ],
    });
    const run = await runHelperProgram(workdir, [disk], properties({ OSFAMILY: 'linux', ROOT_PARTITION: '1', SWAP: '6:32' }));
    assert.equal(run.result, 'SUCCESS\n', `${run.stderr}\n${run.monitor.join('\n')}`);
    assert.deepEqual(run.monitor, taskLines(DISK_TASKS));
    const { partitions } = await partitionTable(disk);
    const byNumber = (n: number) => partitions.find((p) => p.node === partitionPath(disk, n))!;
    const sectors = await diskSectors(disk);
    assert.equal(byNumber(2).start + byNumber(2).size, sectors, 'the extended partition ends at the end of the disk');
    assert.equal(byNumber(6).type, '82');
    assert.equal(byNumber(6).start + byNumber(6).size, sectors, 'the swap partition ends at the end of the disk');
    assert.ok(byNumber(6).size * 512 >= 32 * MiB);
    assert.ok(byNumber(5).start + byNumber(5).size <= byNumber(6).start - 1, 'room for the extended boot record of the swap partition');
    assert.ok(byNumber(5).size * 512 > 400 * MiB, 'the logical data partition grew');
    assert.ok(await e2fsckClean(partitionPath(disk, 5)));
    await assertFillsPartition(partitionPath(disk, 5), 'ext4');
    const mounted = run.trace.flatMap((e) => (e.kind === 'effect.event' && e.event.type === 'helper.mounted' ? [String(e.event.mountpoint)] : []));
    assert.equal(mounted.length, 2);
    assert.ok(mounted[1]!.endsWith('/srv'), 'the fstab entry by LABEL was mounted');
  });

  it('moves the GPT backup header and grows the last partition to the last usable sector', async () => {
    const disk = await disks.create({ table: 'gpt', imageMiB: 64, diskMiB: 1024, partitions: [{ type: 'L', fs: 'ext4', label: 'root', files: guestFiles() }] });
    const root = partitionPath(disk, 1);
    const before = await dataDigest(root, 'ext4');
    const run = await runHelperProgram(workdir, [disk], properties({ OSFAMILY: 'linux', ROOT_PARTITION: '1' }));
    assert.equal(run.result, 'SUCCESS\n', run.stderr);
    const table = await partitionTable(disk);
    assert.equal(table.lastlba, (await diskSectors(disk)) - 34, 'the backup GPT is at the end of the disk');
    assert.equal(table.partitions[0]!.start + table.partitions[0]!.size - 1, table.lastlba);
    const verify = await runTool('sgdisk', ['-v', disk]);
    assert.match(verify, /No problems found/);
    assert.ok(await e2fsckClean(root));
    await assertFillsPartition(root, 'ext4');
    assert.equal(await dataDigest(root, 'ext4'), before);
  });

  it('adds a GPT swap partition with the Linux swap type GUID at the end of the disk', async () => {
    const disk = await disks.create({ table: 'gpt', imageMiB: 64, diskMiB: 512, partitions: [{ type: 'L', fs: 'ext4', label: 'root', files: guestFiles() }] });
    const run = await runHelperProgram(workdir, [disk], properties({ OSFAMILY: 'linux', ROOT_PARTITION: '1', SWAP: '2:64' }));
    assert.equal(run.result, 'SUCCESS\n', `${run.stderr}\n${run.monitor.join('\n')}`);
    const table = await partitionTable(disk);
    const [data, swap] = table.partitions;
    assert.equal(swap!.type, GPT_LINUX_SWAP);
    assert.equal(swap!.start + swap!.size - 1, table.lastlba);
    assert.ok(swap!.size * 512 >= 64 * MiB);
    assert.equal(data!.start + data!.size, swap!.start, 'the data partition ends where the swap partition starts');
    assert.match(await runTool('sgdisk', ['-v', disk]), /No problems found/);
    assert.ok(await e2fsckClean(partitionPath(disk, 1)));
    await assertFillsPartition(partitionPath(disk, 1), 'ext4');
  });

  it('adds a primary MBR swap partition after the grown root partition', async () => {
    const disk = await disks.create({ table: 'dos', imageMiB: 64, diskMiB: 512, partitions: [{ type: 'L', fs: 'ext4', label: 'root', files: guestFiles() }] });
    const run = await runHelperProgram(workdir, [disk], properties({ OSFAMILY: 'linux', ROOT_PARTITION: '1', SWAP: '2:64' }));
    assert.equal(run.result, 'SUCCESS\n', run.stderr);
    const [data, swap] = (await partitionTable(disk)).partitions;
    assert.equal(swap!.type, '82');
    assert.equal(swap!.start + swap!.size, await diskSectors(disk));
    assert.equal(data!.start + data!.size, swap!.start);
    await assertFillsPartition(partitionPath(disk, 1), 'ext4');
  });

  for (const [fs, table] of [['xfs', 'dos'], ['btrfs', 'gpt']] as const) {
    it(`grows an ${fs} root while it is mounted (${table === 'dos' ? 'MBR' : 'GPT'})`, async () => {
      const disk = await disks.create({ table, imageMiB: 320, diskMiB: 1024, partitions: [{ type: 'L', fs, label: 'root', files: guestFiles(`LABEL=root / ${fs} defaults 0 0\n`) }] });
      const root = partitionPath(disk, 1);
      const before = await dataDigest(root, fs);
      const run = await runHelperProgram(workdir, [disk], properties({}));
      assert.equal(run.result, 'SUCCESS\n', `${run.stderr}\n${run.monitor.join('\n')}`);
      assert.ok(run.monitor.includes('WARNING: Detected OSFAMILY: linux'));
      await assertFillsPartition(root, fs);
      assert.equal(await dataDigest(root, fs), before);
    });
  }

  it('says that an xfs root keeps its size when the mounted tasks are excluded, as in an import resize', async () => {
    const disk = await disks.create({ table: 'dos', imageMiB: 320, diskMiB: 512, partitions: [{ type: 'L', fs: 'xfs', label: 'root', files: guestFiles('LABEL=root / xfs defaults 0 0\n') }] });
    const run = await runHelperProgram(workdir, [disk], properties({ OSFAMILY: 'linux', ROOT_PARTITION: '1', EXCLUDE_MOUNTED_TASKS: 'yes' }));
    assert.equal(run.result, 'SUCCESS\n', run.stderr);
    const warning = 'WARNING: Partition 1 holds xfs, which grows only while mounted, and the mounted tasks are excluded: the filesystem keeps its size';
    assert.equal(run.monitor[run.monitor.indexOf('TASK_START:FilesystemResizeUnmounted') + 1], warning);
    const slack = (await partitionBytes(partitionPath(disk, 1))) - (await filesystemBytes(partitionPath(disk, 1), 'xfs'));
    assert.ok(slack > 100 * MiB, 'and it did keep its size');
  });

  it('mounts a separate /boot named by UUID in the guest fstab', async () => {
    const disk = await disks.create({
      table: 'dos',
      imageMiB: 96,
      diskMiB: 256,
      partitions: [
        { size: '32M', type: 'L', fs: 'ext4', uuid: BOOT_UUID, files: { 'vmlinuz': 'kernel' } },
        { type: 'L', fs: 'ext4', label: 'root', files: { ...guestFiles(`LABEL=root / ext4 defaults 0 1\nUUID=${BOOT_UUID} /boot ext4 defaults 0 2\nproc /proc proc defaults 0 0\n/dev/sr0 /media/cdrom udf,iso9660 user,noauto 0 0\n`), 'boot/.keep': '' } },
      ],
    });
    const run = await runHelperProgram(workdir, [disk], properties({ OSFAMILY: 'linux', ROOT_PARTITION: '2' }));
    assert.equal(run.result, 'SUCCESS\n', `${run.stderr}\n${run.monitor.join('\n')}`);
    const mounted = run.trace.flatMap((e) => (e.kind === 'effect.event' && e.event.type === 'helper.mounted' ? [String(e.event.mountpoint)] : []));
    const unmounted = run.trace.flatMap((e) => (e.kind === 'effect.event' && e.event.type === 'helper.unmounted' ? [String(e.event.mountpoint)] : []));
    assert.equal(mounted.length, 2);
    assert.ok(mounted[1]!.endsWith('/boot'));
    assert.deepEqual(unmounted, [...mounted].reverse(), 'unmounted in reverse order');
    const last = (await partitionTable(disk)).partitions[1]!;
    assert.equal(last.start + last.size, await diskSectors(disk));
    await assertFillsPartition(partitionPath(disk, 2), 'ext4');
  });

  it('detects a Windows image by its NTFS partition holding Windows/System32, whatever the case', async () => {
    const disk = await disks.create({ table: 'dos', imageMiB: 64, diskMiB: 128, partitions: [{ type: '7', fs: 'ntfs', files: { 'WINDOWS/System32/drivers/etc/hosts': '127.0.0.1 localhost\r\n' } }] });
    const run = await runHelperProgram(workdir, [disk], properties({}), ['FixPartitionTable', 'FilesystemResizeUnmounted']);
    assert.equal(run.result, 'SUCCESS\n', run.stderr);
    assert.deepEqual(run.monitor, [
      'WARNING: Needed image properties are missing. Autodetecting them...',
      'WARNING: Detected OSFAMILY: windows',
      'WARNING: Detected ROOT_PARTITION: 1',
      'TASK_START:FixPartitionTable',
      'TASK_END:FixPartitionTable',
      'TASK_START:FilesystemResizeUnmounted',
      'WARNING: Partition 1 holds NTFS, which is resized after unmounting or by Windows at first boot',
      'TASK_END:FilesystemResizeUnmounted',
    ]);
  });

  it('grows an MBR partition no further than an MBR can address on a disk over 2 TiB, saying so', async () => {
    const disk = await disks.create({ table: 'dos', imageMiB: 16, diskMiB: 3 * 1024 * 1024, partitions: [{ type: 'L', fs: 'ext4', label: 'root', files: guestFiles() }] });
    const run = await runHelperProgram(workdir, [disk], properties({ OSFAMILY: 'linux', ROOT_PARTITION: '1' }), ['FixPartitionTable']);
    assert.equal(run.result, 'SUCCESS\n', run.stderr);
    assert.equal(run.monitor[1], `WARNING: The disk has ${3 * 1024 * 1024 * 2048} sectors, more than an MBR partition table can address; the partition grows to sector 4294967295 (use a GPT image to use the whole disk)`);
    const [p1] = (await partitionTable(disk)).partitions;
    assert.equal(p1!.start + p1!.size, 2 ** 32);
  });

  it('fails with a clear error when the disk has a partition table but no partitions', async () => {
    const disk = await disks.create({ table: 'dos', imageMiB: 16, diskMiB: 32, partitions: [] });
    const run = await runHelperProgram(workdir, [disk], properties({ OSFAMILY: 'linux', ROOT_PARTITION: '1' }));
    const error = `ERROR: DetectImageProperties: The disk ${disk} has a partition table but no partitions: the image must hold at least one partition with the operating system`;
    assert.equal(run.result, `${error}\n`);
    assert.equal(run.monitor.at(-1), error);
    assert.equal(run.exitCode, 1);
  });

  it('reports the failing command and its stderr when the root filesystem is not clean', async () => {
    const disk = await disks.create({ table: 'dos', imageMiB: 64, diskMiB: 128, partitions: [{ type: 'L', fs: 'ext4', label: 'root', files: guestFiles() }] });
    await runTool('debugfs', ['-w', '-R', 'ssv state 2', partitionPath(disk, 1)]);
    const run = await runHelperProgram(workdir, [disk], properties({ OSFAMILY: 'linux', ROOT_PARTITION: '1' }));
    assert.equal(run.result, 'ERROR: FilesystemResizeUnmounted: The ext4 filesystem of partition 1 is not clean (state = not clean with errors): check the image\n');
    assert.deepEqual(run.monitor.slice(0, 3), ['TASK_START:FixPartitionTable', 'TASK_END:FixPartitionTable', 'TASK_START:FilesystemResizeUnmounted']);
  });
});

async function runTool(command: string, args: readonly string[]): Promise<string> {
  const { realProcesses } = await import('../../src/effects/real/processes.ts');
  return (await realProcesses.run(command, args)).stdout;
}
