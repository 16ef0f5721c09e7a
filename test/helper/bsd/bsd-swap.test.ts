import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import { realProcesses } from '../../../src/effects/real/processes.ts';
import { readBsdLayout } from '../../../src/helper/bsd/bsd-slice.ts';
import { FS_SWAP, labelChecksum } from '../../../src/helper/bsd/disklabel.ts';
import { readPartitionTable } from '../../../src/helper/partition-table.ts';
import { findTask } from '../../../src/helper/tasks/index.ts';
import { GPT_FREEBSD_SWAP } from '../../../src/helper/tasks/fix-partition-table.ts';
import { LoopDisks } from '../support/loop-disk.ts';
import { runHelperProgram } from '../support/run-helper-program.ts';
import { assertGolden } from '../tasks/support/golden.ts';
import { removeScratch, scratchDir, writeTree } from '../tasks/support/guest-trees.ts';
import { runTaskOn } from '../tasks/support/run-task.ts';
import { GPT_FREEBSD_UFS, writeBsdImage, writeFreebsdGptImage } from './support/bsd-image.ts';
import { BSD_TREES } from './support/bsd-trees.ts';

const MiB = 1024 * 1024;
const IMAGE_MiB = 48;
const DISK_MiB = 160;
const DISK_SECTORS = (DISK_MiB * MiB) / 512;
const SWAP_MiB = 16;

/**
 * SWAP on the BSDs, on loop disks: FixPartitionTable (the real helper
 * program) carves the swap partition at the end of the grown disk, the
 * table or label is read back, and AddSwap names it in a guest tree's fstab.
 */
describe('BSD swap partitions on real disks', { skip: process.getuid?.() !== 0 ? 'needs root for loop devices' : false }, () => {
  const disks = new LoopDisks();
  const scratches: string[] = [];
  after(() => disks.release());
  afterEach(async () => Promise.all(scratches.splice(0).map(removeScratch)));

  const env = (family: string, swap: string) => ({ HOSTNAME: 'vm1', PROPERTIES: JSON.stringify({ OSFAMILY: family, ROOT_PARTITION: '1', SWAP: swap }) });
  const digest = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

  async function bsdTree(family: 'freebsd' | 'openbsd' | 'netbsd'): Promise<string> {
    const scratch = await scratchDir(`bsd-swap-${family}`);
    scratches.push(scratch);
    await writeTree(join(scratch, 'root'), BSD_TREES[family]);
    return join(scratch, 'root');
  }

  async function addSwap(family: 'freebsd' | 'openbsd' | 'netbsd', disk: string, swap = `2:${SWAP_MiB}`) {
    return runTaskOn(findTask('AddSwap')!, await bsdTree(family), { PROPERTY_SWAP: swap, PROPERTY_OSFAMILY: family, DEV: disk });
  }

  for (const flavour of ['openbsd', 'netbsd'] as const) {
    it(`makes ${flavour}'s partition b a swap partition at the end of the disk, a grown up to it, and names it in fstab`, async () => {
      const workdir = await disks.workdir();
      const file = join(workdir, `${flavour}-swap.img`);
      const spec = await writeBsdImage(file, { flavour, imageMiB: IMAGE_MiB, diskMiB: DISK_MiB, ufs: { version: 1, files: BSD_TREES[flavour] }, workdir });
      const disk = await disks.attach(file);
      const ufs = async () => digest((await readFile(disk)).subarray((spec.sliceStart + 16) * 512, IMAGE_MiB * MiB));
      const before = await ufs();

      const run = await runHelperProgram(workdir, [disk], env(flavour, `2:${SWAP_MiB}`), ['FixPartitionTable']);
      assert.equal(run.result, 'SUCCESS\n', run.monitor.join('\n'));
      const { slice, label } = await readBsdLayout(disk, DISK_SECTORS);
      assert.equal(label.bytes.readUInt16LE(136), labelChecksum(label.bytes), 'the checksum is right');
      assert.equal(slice.start + slice.size, DISK_SECTORS);
      const [a, b] = [label.partitions[0]!, label.partitions[1]!];
      const end = flavour === 'netbsd' ? DISK_SECTORS : Math.floor(DISK_SECTORS / 16065) * 16065;
      assert.equal(b.fstype, FS_SWAP);
      assert.equal(b.offset + b.size, end, 'b ends at the end of the usable space');
      assert.equal(b.offset % 2048, 0, 'b starts on a 1 MiB boundary');
      assert.ok(b.size >= SWAP_MiB * 2048 && b.size < (SWAP_MiB + 1) * 2048, `b has ${b.size} sectors`);
      assert.ok(a.offset + a.size <= b.offset && a.offset + a.size > b.offset - 32, `a (${a.offset}+${a.size}) grew up to b (${b.offset})`);
      assert.equal(await ufs(), before, 'the filesystem is byte for byte as it was');

      const swap = await addSwap(flavour, disk);
      await assertGolden(`add-swap/${flavour}`, swap.report);
    });
  }

  it('makes a FreeBSD swap partition a freebsd-swap one named swapfs at the end of the GPT, and names it /dev/gpt/swapfs in fstab', async () => {
    const workdir = await disks.workdir();
    const file = join(workdir, 'freebsd-swap.img');
    await writeFreebsdGptImage(file, { imageMiB: IMAGE_MiB, version: 1, files: BSD_TREES.freebsd, workdir });
    await truncate(file, DISK_MiB * MiB);
    const disk = await disks.attach(file);

    const run = await runHelperProgram(workdir, [disk], env('freebsd', `2:${SWAP_MiB}`), ['FixPartitionTable']);
    assert.equal(run.result, 'SUCCESS\n', run.monitor.join('\n'));
    const table = await readPartitionTable(realProcesses, disk);
    const [root, swap] = table.partitions;
    assert.deepEqual([swap!.number, swap!.type, swap!.name], [2, GPT_FREEBSD_SWAP, 'swapfs']);
    assert.equal(swap!.start + swap!.size - 1, table.lastLba, 'the swap partition ends at the last usable sector');
    assert.equal(root!.start + root!.size, swap!.start, 'the root partition grew up to it');
    assert.ok(swap!.size >= SWAP_MiB * 2048);
    // sgdisk checks both headers and both tables against their CRCs.
    const verify = await realProcesses.run('sgdisk', ['--verify', disk], { allowFailure: true });
    assert.match(verify.stdout, /No problems found/, verify.stdout);

    const added = await addSwap('freebsd', disk);
    await assertGolden('add-swap/freebsd', added.report);
  });

  it('names the FreeBSD swap partition swapfs<N> when the image already has a swapfs', async () => {
    const workdir = await disks.workdir();
    const file = join(workdir, 'freebsd-two-swaps.img');
    await writeFile(file, '');
    await truncate(file, IMAGE_MiB * MiB);
    await realProcesses.run('sfdisk', ['--quiet', file], { input: `label: gpt\nstart=2048, size=16MiB, type=${GPT_FREEBSD_SWAP}, name="swapfs"\nsize=16MiB, type=${GPT_FREEBSD_UFS}, name="rootfs"\n` });
    await truncate(file, DISK_MiB * MiB);
    const disk = await disks.attach(file);
    const run = await runHelperProgram(workdir, [disk], { HOSTNAME: 'vm1', PROPERTIES: JSON.stringify({ OSFAMILY: 'freebsd', ROOT_PARTITION: '2', SWAP: '3:8' }) }, ['FixPartitionTable']);
    assert.equal(run.result, 'SUCCESS\n', run.monitor.join('\n'));
    const table = await readPartitionTable(realProcesses, disk);
    assert.deepEqual(table.partitions.map((p) => [p.number, p.name, p.type]), [[1, 'swapfs', GPT_FREEBSD_SWAP], [2, 'rootfs', GPT_FREEBSD_UFS], [3, 'swapfs3', GPT_FREEBSD_SWAP]]);
  });

  it('refuses a whole swap disk for a BSD, and a partition b that is not swap, each with a sentence', async () => {
    const workdir = await disks.workdir();
    const file = join(workdir, 'netbsd-noswap.img');
    await writeBsdImage(file, { flavour: 'netbsd', imageMiB: IMAGE_MiB, diskMiB: DISK_MiB, ufs: { version: 1, files: BSD_TREES.netbsd }, workdir });
    const disk = await disks.attach(file);
    await assert.rejects(addSwap('netbsd', disk, 'b'), /^SnfImageError: SWAP b asks for a whole swap disk, which is not supported for OSFAMILY netbsd/);
    await assert.rejects(addSwap('netbsd', disk), /^SnfImageError: Partition b of the netbsd disklabel is not a swap partition: FixPartitionTable makes it; check whether that task was excluded$/);
  });
});
