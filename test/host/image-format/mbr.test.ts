import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { LINUX_PARTITION_TYPE, NTFS_PARTITION_TYPE } from '../../../src/host/image-format/image-format.ts';
import { buildFilesystemDumpMbr, ImageTooLargeForMbr, MBR_PREFIX_BYTES } from '../../../src/host/image-format/mbr.ts';
import { MBR_BOOT_CODE } from '../../../src/host/image-format/mbr-boot-code.ts';

const BOOT_CODE_SOURCE = fileURLToPath(new URL('../../../src/host/image-format/mbr-boot-code.S', import.meta.url));

function haveCommand(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Assembles 16-bit code with binutils, linked at `address`, into flat bytes. */
function assemble(dir: string, source: string, address: number): Buffer {
  const object = join(dir, 'code.o');
  const binary = join(dir, 'code.bin');
  execFileSync('as', ['--32', '-o', object, source]);
  execFileSync('ld', ['-m', 'elf_i386', '-Ttext', `0x${address.toString(16)}`, '--oformat', 'binary', '-o', binary, object]);
  return execFileSync('cat', [binary]);
}

interface SfdiskPartition {
  start: number;
  size: number;
  type: string;
  bootable?: boolean;
}

describe('extdump/ntfsdump MBR', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mbr-test-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function partitionsOf(mbr: Buffer, imageSize: number): Promise<{ label: string; partitions: SfdiskPartition[] }> {
    const disk = join(dir, 'disk.img');
    await writeFile(disk, mbr);
    execFileSync('truncate', ['-s', String(MBR_PREFIX_BYTES + imageSize), disk]);
    return JSON.parse(execFileSync('sfdisk', ['-J', disk], { encoding: 'utf8' })).partitiontable;
  }

  it('makes one active Linux partition from sector 2048 to the end of the image', async () => {
    const imageSize = 300 * 1024 * 1024;
    const table = await partitionsOf(buildFilesystemDumpMbr(imageSize, LINUX_PARTITION_TYPE), imageSize);
    assert.equal(table.label, 'dos');
    assert.deepEqual(table.partitions.map(({ start, size, type, bootable }) => ({ start, size, type, bootable })), [
      { start: 2048, size: imageSize / 512, type: '83', bootable: true },
    ]);
  });

  it('gives an ntfsdump partition type 7, and sfdisk --dump agrees', async () => {
    const imageSize = 64 * 1024 * 1024 + 1000;
    await partitionsOf(buildFilesystemDumpMbr(imageSize, NTFS_PARTITION_TYPE), imageSize);
    const dump = execFileSync('sfdisk', ['--dump', join(dir, 'disk.img')], { encoding: 'utf8' });
    assert.match(dump, /label: dos/);
    assert.match(dump, /start=\s*2048, size=\s*131073, type=7, bootable/);
  });

  it('puts the boot code first, a disk signature, zeros up to 1 MiB', () => {
    const mbr = buildFilesystemDumpMbr(1 << 20, LINUX_PARTITION_TYPE);
    assert.equal(mbr.length, MBR_PREFIX_BYTES);
    assert.ok(mbr.subarray(0, MBR_BOOT_CODE.length).equals(MBR_BOOT_CODE));
    assert.ok(MBR_BOOT_CODE.length <= 440);
    assert.deepEqual([mbr[510], mbr[511]], [0x55, 0xaa]);
    assert.ok(mbr.subarray(512).every((b) => b === 0));
  });

  it('refuses an image an MBR partition cannot describe', () => {
    assert.throws(() => buildFilesystemDumpMbr(2 ** 41, LINUX_PARTITION_TYPE), ImageTooLargeForMbr);
  });

  it('has boot code that mbr-boot-code.S assembles to', { skip: !haveCommand('as') && 'binutils not installed' }, () => {
    assert.ok(assemble(dir, BOOT_CODE_SOURCE, 0x600).equals(Buffer.from(MBR_BOOT_CODE)));
  });

  it('chain-loads the boot sector of the active partition under a real BIOS', {
    skip: !(haveCommand('as') && haveCommand('qemu-system-x86_64')) && 'binutils or qemu not installed',
  }, async () => {
    // A partition boot sector that says it ran on the first serial port.
    const vbrSource = join(dir, 'vbr.S');
    await writeFile(
      vbrSource,
      ['.code16', 'movw $0x3f8, %dx', 'movw $msg, %si', 'next: lodsb', 'testb %al, %al', 'jz halt', 'outb %al, %dx', 'jmp next',
        'halt: cli', 'hlt', 'jmp halt', 'msg: .asciz "PARTITION BOOT SECTOR RAN\\n"', '.org 510', '.word 0xaa55', ''].join('\n'),
    );
    const imageSize = 1 << 20;
    const partition = Buffer.alloc(imageSize);
    assemble(dir, vbrSource, 0x7c00).copy(partition);
    const disk = join(dir, 'boot.img');
    await writeFile(disk, Buffer.concat([buildFilesystemDumpMbr(imageSize, LINUX_PARTITION_TYPE), partition]));
    const serial = join(dir, 'serial.log');
    await writeFile(serial, '');
    const qemu = spawn('qemu-system-x86_64', ['-machine', 'pc', '-display', 'none', '-monitor', 'none', '-no-reboot',
      '-serial', `file:${serial}`, '-drive', `file=${disk},format=raw,if=ide`], { stdio: 'ignore' });
    try {
      let output = '';
      for (let i = 0; i < 100 && !output.includes('RAN'); i++) {
        await sleep(100);
        output = await readFile(serial, 'utf8');
      }
      assert.match(output, /PARTITION BOOT SECTOR RAN/);
    } finally {
      qemu.kill('SIGKILL');
    }
  });
});
