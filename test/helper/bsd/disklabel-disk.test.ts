import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { findBsdSlice, readBsdLayout } from '../../../src/helper/bsd/bsd-slice.ts';
import { labelChecksum } from '../../../src/helper/bsd/disklabel.ts';
import { LoopDisks } from '../support/loop-disk.ts';
import { runHelperProgram } from '../support/run-helper-program.ts';
import { buildLabel, writeBsdImage, type LabelSpec } from './support/bsd-image.ts';
import { BSD_TREES } from './support/bsd-trees.ts';

const MiB = 1024 * 1024;
const IMAGE_MiB = 48;
const DISK_MiB = 160;
const DISK_SECTORS = (DISK_MiB * MiB) / 512;

describe('OpenBSD and NetBSD disklabels on real disks', { skip: process.getuid?.() !== 0 ? 'needs root for loop devices' : false }, () => {
  const disks = new LoopDisks();
  after(() => disks.release());

  async function bsdDisk(flavour: 'openbsd' | 'netbsd', options: { swapMiB?: number; label?: (spec: LabelSpec) => Buffer } = {}) {
    const file = join(await disks.workdir(), `${flavour}-${Math.random().toString(16).slice(2)}.img`);
    const spec = await writeBsdImage(file, { flavour, imageMiB: IMAGE_MiB, diskMiB: DISK_MiB, ...(options.swapMiB ? { swapMiB: options.swapMiB } : {}), ufs: { version: flavour === 'openbsd' ? 1 : 2, files: BSD_TREES[flavour] }, workdir: await disks.workdir() });
    if (options.label) {
      const handle = await open(file, 'r+');
      await handle.write(options.label(spec), 0, undefined, (spec.sliceStart + 1) * 512).finally(() => handle.close());
    }
    return { disk: await disks.attach(file), spec };
  }

  /** The filesystem's bytes past the boot area the label sits in: growth must not change one of them. */
  const ufsDigest = async (disk: string, spec: LabelSpec) => createHash('sha256').update((await readFile(disk)).subarray((spec.sliceStart + 16) * 512, IMAGE_MiB * MiB)).digest('hex');
  const env = (family: string, extra: Record<string, string> = {}) => ({ HOSTNAME: 'vm1', PROPERTIES: JSON.stringify({ OSFAMILY: family, ROOT_PARTITION: '1', ...extra }) });

  for (const flavour of ['netbsd', 'openbsd'] as const) {
    it(`grows a ${flavour} slice and disklabel to the disk's end, leaving the filesystem's bytes as they were`, async () => {
      const { disk, spec } = await bsdDisk(flavour);
      const before = await ufsDigest(disk, spec);
      const run = await runHelperProgram(await disks.workdir(), [disk], env(flavour), ['FixPartitionTable']);
      assert.equal(run.result, 'SUCCESS\n', run.monitor.join('\n'));
      const { slice, label } = await readBsdLayout(disk, DISK_SECTORS);
      assert.equal(slice.start + slice.size, DISK_SECTORS);
      assert.equal(label.sectors, DISK_SECTORS);
      assert.equal(label.bytes.readUInt16LE(136), labelChecksum(label.bytes), 'the checksum is right');
      const a = label.partitions[0]!;
      const end = flavour === 'netbsd' ? DISK_SECTORS : Math.floor(Math.floor(DISK_SECTORS / 16065) * 16065 - 64);
      assert.equal(a.offset, 64);
      assert.equal(a.size, flavour === 'netbsd' ? end - 64 : Math.floor(end / 32) * 32);
      assert.equal(await ufsDigest(disk, spec), before);
    });
  }

  it('leaves an OpenBSD swap partition that ends the label as it is and says so', async () => {
    const { disk } = await bsdDisk('openbsd', { swapMiB: 8 });
    const run = await runHelperProgram(await disks.workdir(), [disk], env('openbsd'), ['FixPartitionTable']);
    assert.equal(run.result, 'SUCCESS\n');
    assert.ok(run.monitor.includes('WARNING: The openbsd disklabel now covers the whole disk, but no partition was grown: partition b, the last one, is swap; it is left as it is'), run.monitor.join('\n'));
    assert.equal((await readBsdLayout(disk, DISK_SECTORS)).label.sectors, DISK_SECTORS);
  });

  it('fails detection on a label with a bad checksum, with a sentence, and changes nothing', async () => {
    const { disk } = await bsdDisk('openbsd', {
      label: (spec) => {
        const label = buildLabel(spec);
        label.writeUInt16LE(label.readUInt16LE(136) ^ 0xffff, 136);
        return label;
      },
    });
    const before = createHash('sha256').update(await readFile(disk)).digest('hex');
    const run = await runHelperProgram(await disks.workdir(), [disk], { HOSTNAME: 'vm1', PROPERTIES: '{}' }, ['FixPartitionTable']);
    assert.match(run.result, /^ERROR: DetectImageProperties: the openbsd disklabel has a bad checksum \(0x[0-9a-f]{4} recorded, 0x[0-9a-f]{4} computed\): the label is damaged\n$/);
    assert.equal(createHash('sha256').update(await readFile(disk)).digest('hex'), before);
  });

  it('refuses to grow a label with overlapping partitions', async () => {
    const { disk } = await bsdDisk('netbsd', {
      label: (spec) => buildLabel({ ...spec, partitions: [...spec.partitions, { letter: 'e', offset: 1000, size: 5000, fstype: 7 }] }),
    });
    const run = await runHelperProgram(await disks.workdir(), [disk], env('netbsd'), ['FixPartitionTable']);
    assert.equal(run.result, 'ERROR: FixPartitionTable: partitions a and e of the netbsd disklabel overlap (sectors 1000 to 5999): the label is damaged\n');
  });

  it('refuses a label that claims more disk than there is', async () => {
    const { disk } = await bsdDisk('netbsd', { label: (spec) => buildLabel({ ...spec, sectors: DISK_SECTORS * 2 }) });
    const run = await runHelperProgram(await disks.workdir(), [disk], env('netbsd'), ['FixPartitionTable']);
    assert.equal(run.result, `ERROR: FixPartitionTable: the netbsd disklabel claims a disk of ${DISK_SECTORS * 2} sectors, but the disk has ${DISK_SECTORS}: the label does not belong to this disk\n`);
    assert.ok(findBsdSlice(await readFile(disk).then((b) => b.subarray(0, 512))));
  });
});
