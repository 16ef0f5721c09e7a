import { open } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { PartitionTableError } from './partition-table.ts';

const SECTOR = 512;
const SIGNATURE = 'EFI PART';
const PROTECTIVE_TYPE = 0xee;
/** Entries beyond this are not a GPT anyone writes: read no more than 1 MiB of them. */
const MAX_ENTRY_BYTES = 1024 * 1024;

/**
 * Refuses a disk with a protective MBR (a GPT disk) whose primary header or partition entries are corrupt.
 * The tools disagree on such a disk: sfdisk and sgdisk fall back to the
 * backup at the end of the disk, which after the copy onto a bigger disk is
 * no longer there, and the kernel then finds no partitions, so without this
 * check the failure surfaces later as a missing root partition. Where the
 * backup (at the image's end, which the protective MBR records) is intact,
 * the message says so.
 */
export async function checkPrimaryGpt(disk: string): Promise<void> {
  const handle = await open(disk, 'r');
  try {
    const read = async (lba: number, bytes: number) => {
      const buffer = Buffer.alloc(bytes);
      const { bytesRead } = await handle.read(buffer, 0, bytes, lba * SECTOR);
      return buffer.subarray(0, bytesRead);
    };
    const backupLba = protectiveEnd(await read(0, SECTOR));
    if (backupLba === undefined) return;
    const problem = await headerProblem(read, 1);
    if (!problem) return;
    const backupIntact = backupLba > 1 && !(await headerProblem(read, backupLba));
    throw new PartitionTableError(
      `The primary GPT of ${disk} is corrupt (${problem}). ` +
        (backupIntact
          ? `Its backup at sector ${backupLba} is intact: repair the image before deploying it (sgdisk -e IMAGE rebuilds the primary from the backup)`
          : 'Its backup is not intact either: the image has no usable partition table'),
    );
  } finally {
    await handle.close();
  }
}

type ReadSectors = (lba: number, bytes: number) => Promise<Buffer>;

/** What is wrong with the GPT header at an LBA and its entries, or undefined when nothing is. */
async function headerProblem(read: ReadSectors, lba: number): Promise<string | undefined> {
  const header = await read(lba, SECTOR);
  if (header.length < 92 || header.toString('latin1', 0, 8) !== SIGNATURE) return 'no GPT header signature';
  const size = header.readUInt32LE(12);
  if (size < 92 || size > SECTOR) return `a header size of ${size} bytes`;
  const copy = Buffer.from(header.subarray(0, size));
  copy.writeUInt32LE(0, 16);
  if (crc32(copy) !== header.readUInt32LE(16)) return 'the header CRC does not match';
  const entriesLba = Number(header.readBigUInt64LE(72));
  const entryBytes = header.readUInt32LE(80) * header.readUInt32LE(84);
  if (entryBytes > MAX_ENTRY_BYTES) return `${entryBytes} bytes of partition entries`;
  const entries = await read(entriesLba, entryBytes);
  if (entries.length !== entryBytes || crc32(entries) !== header.readUInt32LE(88)) return 'the partition entries CRC does not match';
  return undefined;
}

/** The last sector of the protective MBR's 0xEE partition: where the image's backup GPT header was written. */
function protectiveEnd(mbr: Buffer): number | undefined {
  if (mbr.length < SECTOR || mbr.readUInt16LE(510) !== 0xaa55) return undefined;
  for (let i = 0; i < 4; i++) {
    const entry = 446 + 16 * i;
    if (mbr[entry + 4] === PROTECTIVE_TYPE) return mbr.readUInt32LE(entry + 8) + mbr.readUInt32LE(entry + 12) - 1;
  }
  return undefined;
}
