import { randomBytes } from 'node:crypto';
import { SnfImageError } from '../../errors.ts';
import { MBR_BOOT_CODE } from './mbr-boot-code.ts';

const SECTOR = 512;
/** The filesystem starts at sector 2048, so the MBR and its gap fill 1 MiB. */
export const PARTITION_START_SECTOR = 2048;
export const MBR_PREFIX_BYTES = PARTITION_START_SECTOR * SECTOR;

/** The boot code area is bytes 0-439; mbr-boot-code.ts is smaller. */
const DISK_SIGNATURE_OFFSET = 440;
const PARTITION_TABLE_OFFSET = 446;
const ACTIVE = 0x80;
const MAX_LBA = 0xffff_ffff;

export class ImageTooLargeForMbr extends SnfImageError {
  override readonly name = 'ImageTooLargeForMbr';
  constructor(readonly imageSize: number) {
    super(`the image is ${imageSize} bytes, more than an MBR partition holds (2 TiB): deploy it as a diskdump with a GPT`);
  }
}

/**
 * The 1 MiB that goes before an extdump or ntfsdump image, as snf-image's
 * create_mbr makes it with parted: boot code, a random disk signature, and
 * one active primary partition of the given type from sector 2048 to the last
 * whole sector of the image, then zeros up to sector 2048.
 */
export function buildFilesystemDumpMbr(imageSize: number, partitionType: number): Buffer {
  const sectors = Math.floor(imageSize / SECTOR);
  const lastSector = PARTITION_START_SECTOR + sectors - 1;
  if (lastSector > MAX_LBA) throw new ImageTooLargeForMbr(imageSize);

  const mbr = Buffer.alloc(MBR_PREFIX_BYTES);
  mbr.set(MBR_BOOT_CODE, 0);
  randomBytes(4).copy(mbr, DISK_SIGNATURE_OFFSET);

  const entry = mbr.subarray(PARTITION_TABLE_OFFSET, PARTITION_TABLE_OFFSET + 16);
  entry[0] = ACTIVE;
  entry.set(chsAddress(PARTITION_START_SECTOR), 1);
  entry[4] = partitionType;
  entry.set(chsAddress(lastSector), 5);
  entry.writeUInt32LE(PARTITION_START_SECTOR, 8);
  entry.writeUInt32LE(sectors, 12);

  mbr[510] = 0x55;
  mbr[511] = 0xaa;
  return mbr;
}

/**
 * The legacy cylinder/head/sector form of an LBA with the 255-head,
 * 63-sector geometry fdisk and parted use; past cylinder 1023 it saturates
 * at 1023/254/63, which tells BIOSes to use the LBA fields.
 */
function chsAddress(lba: number): Uint8Array {
  const HEADS = 255;
  const SECTORS_PER_TRACK = 63;
  let cylinder = Math.floor(lba / (HEADS * SECTORS_PER_TRACK));
  let head = Math.floor(lba / SECTORS_PER_TRACK) % HEADS;
  let sector = (lba % SECTORS_PER_TRACK) + 1;
  if (cylinder > 1023) [cylinder, head, sector] = [1023, 254, 63];
  return Uint8Array.of(head, (sector & 0x3f) | ((cylinder >> 2) & 0xc0), cylinder & 0xff);
}
