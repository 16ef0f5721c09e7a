import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { growDiskLabel } from '../../../src/helper/bsd/disklabel-growth.ts';
import { labelChecksum, lastPartition, parseDiskLabel, type LabelFlavour } from '../../../src/helper/bsd/disklabel.ts';
import { findBsdSlice, linuxPartitionNumbers, resizeSlice } from '../../../src/helper/bsd/bsd-slice.ts';
import { buildLabel, buildMbr, type LabelSpec } from './support/bsd-image.ts';

const IMAGE = 262_144; // 128 MiB
const DISK = 2_097_152; // 1 GiB

function layout(flavour: LabelFlavour, extra: Partial<LabelSpec> = {}): LabelSpec {
  const raw = flavour === 'openbsd' ? [{ letter: 'c', offset: 0, size: IMAGE, fstype: 0 }] : [
    { letter: 'c', offset: 64, size: IMAGE - 64, fstype: 0 },
    { letter: 'd', offset: 0, size: IMAGE, fstype: 0 },
  ];
  return {
    flavour,
    sectors: IMAGE,
    sliceStart: 64,
    sliceSize: IMAGE - 64,
    partitions: [{ letter: 'a', offset: 64, size: 200_000, fstype: 7 }, { letter: 'b', offset: 200_064, size: IMAGE - 200_064, fstype: 1 }, ...raw],
    ...extra,
  };
}
const parse = (spec: LabelSpec, diskSectors = DISK) => parseDiskLabel(pad(buildLabel(spec)), spec.flavour, { sliceStart: spec.sliceStart, diskSectors });
const pad = (label: Buffer) => Buffer.concat([label, Buffer.alloc(512 - label.length)]);

describe('disklabel parsing', () => {
  for (const flavour of ['openbsd', 'netbsd'] as const) {
    it(`reads an ${flavour} label: geometry, disk size, partitions by letter`, () => {
      const label = parse(layout(flavour));
      assert.equal(label.sectors, IMAGE);
      assert.equal(label.sectorsPerTrack, 63);
      assert.deepEqual(label.partitions.slice(0, 2), [
        { letter: 'a', offset: 64, size: 200_000, fstype: 7 },
        { letter: 'b', offset: 200_064, size: IMAGE - 200_064, fstype: 1 },
      ]);
      assert.equal(lastPartition(label)?.letter, 'b');
    });
  }

  it('reads the high halves of OpenBSD 48-bit sizes', () => {
    const bytes = pad(buildLabel(layout('openbsd', { partitions: [{ letter: 'a', offset: 64, size: 200_000, fstype: 7 }, { letter: 'c', offset: 0, size: IMAGE, fstype: 0 }] })));
    bytes.writeUInt16LE(1, 148 + 10); // p_sizeh of a
    bytes.writeUInt16LE(labelChecksum(bytes.subarray(0, 148 + 16 * 3)), 136);
    assert.equal(parseDiskLabel(bytes, 'openbsd', { sliceStart: 64, diskSectors: 2 ** 34 }).partitions[0]!.size, 2 ** 32 + 200_000);
  });

  it('rejects a label with a bad checksum, saying the label is damaged', () => {
    const bytes = pad(buildLabel(layout('netbsd')));
    bytes.writeUInt32LE(200_001, 148); // a's size changed without the checksum
    assert.throws(() => parseDiskLabel(bytes, 'netbsd', { sliceStart: 64, diskSectors: DISK }), {
      name: 'DiskLabelError',
      message: /^the netbsd disklabel has a bad checksum \(0x[0-9a-f]{4} recorded, 0x[0-9a-f]{4} computed\): the label is damaged$/,
    });
  });

  it('rejects overlapping data partitions, naming them and where they meet', () => {
    const spec = layout('openbsd', { partitions: [{ letter: 'a', offset: 64, size: 200_000, fstype: 7 }, { letter: 'b', offset: 150_000, size: 10_000, fstype: 1 }, { letter: 'c', offset: 0, size: IMAGE, fstype: 0 }] });
    assert.throws(() => parse(spec), { name: 'DiskLabelError', message: 'partitions a and b of the openbsd disklabel overlap (sectors 150000 to 159999): the label is damaged' });
  });

  it('rejects a label that claims a disk larger than the disk', () => {
    assert.throws(() => parse(layout('netbsd', { sectors: DISK + 1 })), {
      name: 'DiskLabelError',
      message: `the netbsd disklabel claims a disk of ${DISK + 1} sectors, but the disk has ${DISK}: the label does not belong to this disk`,
    });
  });

  it('rejects a partition that ends past the disk', () => {
    const spec = layout('openbsd', { sectors: IMAGE, partitions: [{ letter: 'a', offset: 64, size: DISK, fstype: 7 }, { letter: 'c', offset: 0, size: IMAGE, fstype: 0 }] });
    assert.throws(() => parse(spec), { name: 'DiskLabelError', message: `partition a of the openbsd disklabel ends at sector ${DISK + 64}, past the end of the disk (${DISK} sectors)` });
  });

  it('rejects a sector without the magic number at both ends', () => {
    const bytes = pad(buildLabel(layout('netbsd')));
    bytes.writeUInt32LE(0, 132);
    assert.throws(() => parseDiskLabel(bytes, 'netbsd', { sliceStart: 64, diskSectors: DISK }), { message: /holds no disklabel in its sector 1/ });
  });

  it('rejects a partition count a label cannot hold', () => {
    const bytes = pad(buildLabel(layout('netbsd')));
    bytes.writeUInt16LE(40, 138);
    assert.throws(() => parseDiskLabel(bytes, 'netbsd', { sliceStart: 64, diskSectors: DISK }), { message: 'the netbsd disklabel claims 40 partitions; a label holds 1 to 16' });
  });
});

describe('disklabel growth', () => {
  const rootOnly = (flavour: LabelFlavour) => layout(flavour, { partitions: [{ letter: 'a', offset: 64, size: IMAGE - 64, fstype: 7 }, ...layout(flavour).partitions.slice(2)] });

  it('grows a NetBSD label: disk size, c to the slice, d to the disk, the last partition to the end', () => {
    const grown = growDiskLabel(parse(rootOnly('netbsd')), { sectors: DISK, sliceStart: 64 });
    const label = parseDiskLabel(pad(grown.bytes), 'netbsd', { sliceStart: 64, diskSectors: DISK });
    assert.equal(label.sectors, DISK);
    assert.equal(label.cylinders, Math.floor(DISK / (63 * 16)));
    assert.deepEqual(label.partitions.map((p) => [p.letter, p.offset, p.size]), [['a', 64, DISK - 64], ['b', 0, 0], ['c', 64, DISK - 64], ['d', 0, DISK]]);
    assert.deepEqual(grown.grown, { letter: 'a', offset: 64, size: DISK - 64, fstype: 7 });
  });

  it('grows an OpenBSD label: 48-bit disk size, c to the disk, the usable end at a cylinder boundary, a rounded to 32 sectors', () => {
    const grown = growDiskLabel(parse(rootOnly('openbsd')), { sectors: DISK, sliceStart: 64 });
    const label = parseDiskLabel(pad(grown.bytes), 'openbsd', { sliceStart: 64, diskSectors: DISK });
    const end = Math.floor(DISK / (63 * 255)) * 63 * 255;
    assert.equal(label.sectors, DISK);
    assert.equal(label.usableEnd, end);
    assert.equal(label.partitions.find((p) => p.letter === 'c')!.size, DISK);
    assert.equal(grown.grown!.size, Math.floor((end - 64) / 32) * 32);
    assert.equal(label.partitions[0]!.size, grown.grown!.size);
  });

  it('leaves an OpenBSD swap partition that ends the label as it is, saying why', () => {
    const grown = growDiskLabel(parse(layout('openbsd')), { sectors: DISK, sliceStart: 64 });
    assert.equal(grown.grown, undefined);
    assert.equal(grown.notGrown, 'partition b, the last one, is swap; it is left as it is');
  });

  const SWAP = 16 * 2048;

  it('carves a NetBSD swap partition b at the end of the disk, from a 1 MiB boundary, and grows a up to it', () => {
    const grown = growDiskLabel(parse(rootOnly('netbsd')), { sectors: DISK + 100, sliceStart: 64, swapSectors: SWAP });
    const label = parseDiskLabel(pad(grown.bytes), 'netbsd', { sliceStart: 64, diskSectors: DISK + 100 });
    const swapStart = Math.floor((DISK + 100 - SWAP) / 2048) * 2048;
    assert.deepEqual(label.partitions.map((p) => [p.letter, p.offset, p.size, p.fstype]), [['a', 64, swapStart - 64, 7], ['b', swapStart, DISK + 100 - swapStart, 1], ['c', 64, DISK + 100 - 64, 0], ['d', 0, DISK + 100, 0]]);
    assert.deepEqual(grown.swap, { letter: 'b', offset: swapStart, size: DISK + 100 - swapStart, fstype: 1 });
    assert.ok(grown.swap!.size >= SWAP);
  });

  it('carves an OpenBSD swap partition b up to the usable end, a rounded to 32 sectors before it', () => {
    const grown = growDiskLabel(parse(rootOnly('openbsd')), { sectors: DISK, sliceStart: 64, swapSectors: SWAP });
    const label = parseDiskLabel(pad(grown.bytes), 'openbsd', { sliceStart: 64, diskSectors: DISK });
    const end = Math.floor(DISK / (63 * 255)) * 63 * 255;
    const swapStart = Math.floor((end - SWAP) / 2048) * 2048;
    const b = label.partitions.find((p) => p.letter === 'b')!;
    assert.deepEqual([b.offset, b.size, b.fstype], [swapStart, end - swapStart, 1]);
    assert.equal(label.partitions[0]!.size, Math.floor((swapStart - 64) / 32) * 32);
    assert.ok(label.partitions[0]!.offset + label.partitions[0]!.size <= b.offset, 'a ends before b');
    assert.equal(label.usableEnd, end);
  });

  it('refuses swap when partition b is already in use, and when the disk has no room for it', () => {
    assert.throws(() => growDiskLabel(parse(layout('netbsd')), { sectors: DISK, sliceStart: 64, swapSectors: SWAP }), /partition b of the netbsd disklabel is already in use \(swap, 62080 sectors\)/);
    const full = layout('netbsd', { partitions: [{ letter: 'a', offset: 64, size: DISK - 64 - 1000, fstype: 7 }, ...layout('netbsd').partitions.slice(2)] });
    assert.throws(() => growDiskLabel(parse(full), { sectors: DISK, sliceStart: 64, swapSectors: SWAP }), /^DiskLabelError: Not enough space for swap partition: 16 MiB asked, 0 MiB free at the end of the disk$/);
  });

  it('writes a checksum the parser accepts, and a changed one', () => {
    const before = buildLabel(rootOnly('netbsd'));
    const grown = growDiskLabel(parse(rootOnly('netbsd')), { sectors: DISK, sliceStart: 64 });
    assert.notEqual(grown.bytes.readUInt16LE(136), before.readUInt16LE(136));
    assert.equal(grown.bytes.readUInt16LE(136), labelChecksum(grown.bytes));
  });
});

describe('BSD slice', () => {
  it('finds the first BSD slice and resizes it to the end of the disk with a clamped end CHS', () => {
    const mbr = buildMbr('openbsd', 64, IMAGE - 64);
    const slice = findBsdSlice(mbr)!;
    assert.deepEqual(slice, { number: 1, flavour: 'openbsd', start: 64, size: IMAGE - 64 });
    const resized = findBsdSlice(resizeSlice(mbr, slice, DISK))!;
    assert.equal(resized.size, DISK - 64);
    // Sector 2097151 at 255 heads and 63 sectors a track: cylinder 130, head 138, sector 8.
    assert.deepEqual([...resizeSlice(mbr, slice, DISK).subarray(446 + 5, 446 + 8)], [138, 8, 130]);
    // Past cylinder 1023 the address is the largest one: head 254, sector 63, cylinder 1023.
    assert.deepEqual([...resizeSlice(mbr, slice, 2 ** 31).subarray(446 + 5, 446 + 8)], [254, 0xff, 0xff]);
  });

  it('numbers the label partitions as Linux does: in use, inside the slice, not the slice itself, from 5', () => {
    const spec = layout('netbsd');
    const numbers = linuxPartitionNumbers(parse(spec), { number: 1, flavour: 'netbsd', start: 64, size: IMAGE - 64 });
    assert.deepEqual([...numbers], [['a', 5], ['b', 6]]);
  });

  it('reaches a partition that is the whole slice through the slice itself', () => {
    const spec = layout('openbsd', { partitions: [{ letter: 'a', offset: 64, size: IMAGE - 64, fstype: 7 }, { letter: 'c', offset: 0, size: IMAGE, fstype: 0 }] });
    assert.deepEqual([...linuxPartitionNumbers(parse(spec), { number: 1, flavour: 'openbsd', start: 64, size: IMAGE - 64 })], [['a', 1]]);
  });
});
