import { writeFile } from 'node:fs/promises';

/**
 * An empty Windows registry hive (regf), built from scratch: no Debian
 * package ships one and the hivex tools cannot create one. It holds a base
 * block, one 4 KiB hbin with the root key (nk), its security cell (sk) and a
 * free cell for the rest. hivex copies the parent's security cell when it
 * adds a child, so the sk carries a real self-relative security descriptor.
 * The tests fill such hives with hivexregedit --merge to build Windows images.
 */

const BASE_BLOCK_SIZE = 0x1000;
const HBIN_SIZE = 0x1000;
const HBIN_HEADER_SIZE = 0x20;
const ROOT_NAME = 'ROOT';
/** Offsets of cells, relative to the first hbin as the format counts them. */
const ROOT_OFFSET = HBIN_HEADER_SIZE;
const NO_CELL = 0xffffffff;

/** KEY_HIVE_ENTRY | KEY_NO_DELETE | KEY_COMP_NAME: the root key, with an ASCII name. */
const ROOT_KEY_FLAGS = 0x0004 | 0x0008 | 0x0020;
const NK_FIXED_SIZE = 0x4c;

const KEY_ALL_ACCESS = 0x000f003f;
const KEY_READ = 0x00020019;
/** Inherited by the subkeys hivex adds below the root. */
const CONTAINER_INHERIT_ACE = 0x02;

export function emptyHive(): Buffer {
  const file = Buffer.alloc(BASE_BLOCK_SIZE + HBIN_SIZE);
  const hbin = file.subarray(BASE_BLOCK_SIZE);
  const securityDescriptor = administratorsOwnedDescriptor();
  const nkSize = align8(4 + NK_FIXED_SIZE + ROOT_NAME.length);
  const skOffset = ROOT_OFFSET + nkSize;
  const skSize = align8(4 + 0x14 + securityDescriptor.length);
  const freeOffset = skOffset + skSize;

  writeHbinHeader(hbin);
  writeRootKey(hbin, ROOT_OFFSET, nkSize, skOffset);
  writeSecurityCell(hbin, skOffset, skSize, securityDescriptor);
  // A free cell (positive size) covers the rest: cells must tile the hbin exactly.
  hbin.writeInt32LE(HBIN_SIZE - freeOffset, freeOffset);
  writeBaseBlock(file);
  return file;
}

export async function writeEmptyHive(path: string): Promise<void> {
  await writeFile(path, emptyHive());
}

function writeBaseBlock(file: Buffer): void {
  file.write('regf', 0, 'latin1');
  // Equal sequence numbers: the hive was written completely (no pending log).
  file.writeUInt32LE(1, 0x04);
  file.writeUInt32LE(1, 0x08);
  file.writeUInt32LE(1, 0x14); // major version
  file.writeUInt32LE(3, 0x18); // minor version (Windows XP and later read 1.3)
  file.writeUInt32LE(0, 0x1c); // primary file
  file.writeUInt32LE(1, 0x20); // direct memory load format
  file.writeUInt32LE(ROOT_OFFSET, 0x24);
  file.writeUInt32LE(HBIN_SIZE, 0x28);
  file.writeUInt32LE(1, 0x2c); // clustering factor
  file.write(ROOT_NAME, 0x30, 'utf16le');
  file.writeUInt32LE(baseBlockChecksum(file), 0x1fc);
}

/** XOR of the first 127 dwords; 0 and 0xffffffff are reserved and replaced as Windows does. */
export function baseBlockChecksum(file: Buffer): number {
  let sum = 0;
  for (let offset = 0; offset < 0x1fc; offset += 4) sum = (sum ^ file.readUInt32LE(offset)) >>> 0;
  if (sum === 0xffffffff) return 0xfffffffe;
  if (sum === 0) return 1;
  return sum;
}

function writeHbinHeader(hbin: Buffer): void {
  hbin.write('hbin', 0, 'latin1');
  hbin.writeUInt32LE(0, 0x04); // offset of this hbin from the first
  hbin.writeUInt32LE(HBIN_SIZE, 0x08);
}

function writeRootKey(hbin: Buffer, offset: number, cellSize: number, skOffset: number): void {
  hbin.writeInt32LE(-cellSize, offset); // negative: allocated
  const nk = hbin.subarray(offset + 4);
  nk.write('nk', 0, 'latin1');
  nk.writeUInt16LE(ROOT_KEY_FLAGS, 0x02);
  nk.writeUInt32LE(NO_CELL, 0x10); // parent: none
  nk.writeUInt32LE(0, 0x14); // subkeys
  nk.writeUInt32LE(NO_CELL, 0x1c);
  nk.writeUInt32LE(NO_CELL, 0x20);
  nk.writeUInt32LE(0, 0x24); // values
  nk.writeUInt32LE(NO_CELL, 0x28);
  nk.writeUInt32LE(skOffset, 0x2c);
  nk.writeUInt32LE(NO_CELL, 0x30); // class name
  nk.writeUInt16LE(ROOT_NAME.length, 0x48);
  nk.write(ROOT_NAME, NK_FIXED_SIZE, 'latin1');
}

function writeSecurityCell(hbin: Buffer, offset: number, cellSize: number, descriptor: Buffer): void {
  hbin.writeInt32LE(-cellSize, offset);
  const sk = hbin.subarray(offset + 4);
  sk.write('sk', 0, 'latin1');
  // The security cells form a circular list; a single one points at itself.
  sk.writeUInt32LE(offset, 0x04);
  sk.writeUInt32LE(offset, 0x08);
  sk.writeUInt32LE(1, 0x0c); // reference count: the root key
  sk.writeUInt32LE(descriptor.length, 0x10);
  descriptor.copy(sk, 0x14);
}

/** Owner Administrators, group SYSTEM; Administrators and SYSTEM full control, Everyone read. */
function administratorsOwnedDescriptor(): Buffer {
  const administrators = sid(5, [32, 544]);
  const system = sid(5, [18]);
  const everyone = sid(1, [0]);
  const dacl = acl([ace(KEY_ALL_ACCESS, administrators), ace(KEY_ALL_ACCESS, system), ace(KEY_READ, everyone)]);
  const header = Buffer.alloc(20);
  header.writeUInt8(1, 0); // revision
  header.writeUInt16LE(0x8000 | 0x0004, 2); // SE_SELF_RELATIVE | SE_DACL_PRESENT
  header.writeUInt32LE(20, 4); // owner
  header.writeUInt32LE(20 + administrators.length, 8); // group
  header.writeUInt32LE(0, 12); // no SACL
  header.writeUInt32LE(20 + administrators.length + system.length, 16); // DACL
  return Buffer.concat([header, administrators, system, dacl]);
}

function sid(authority: number, subAuthorities: readonly number[]): Buffer {
  const buffer = Buffer.alloc(8 + 4 * subAuthorities.length);
  buffer.writeUInt8(1, 0);
  buffer.writeUInt8(subAuthorities.length, 1);
  buffer.writeUIntBE(authority, 2, 6);
  subAuthorities.forEach((value, i) => buffer.writeUInt32LE(value, 8 + 4 * i));
  return buffer;
}

function ace(mask: number, trustee: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt8(0, 0); // ACCESS_ALLOWED_ACE_TYPE
  header.writeUInt8(CONTAINER_INHERIT_ACE, 1);
  header.writeUInt16LE(8 + trustee.length, 2);
  header.writeUInt32LE(mask, 4);
  return Buffer.concat([header, trustee]);
}

function acl(aces: readonly Buffer[]): Buffer {
  const body = Buffer.concat(aces);
  const header = Buffer.alloc(8);
  header.writeUInt8(2, 0); // ACL_REVISION
  header.writeUInt16LE(8 + body.length, 2);
  header.writeUInt16LE(aces.length, 4);
  return Buffer.concat([header, body]);
}

function align8(size: number): number {
  return Math.ceil(size / 8) * 8;
}
