/**
 * The accelerator probe's initramfs: one static x86-64 program as /init that
 * writes PROBE_LINE on the console and then writes PROBE_EXIT_VALUE to the
 * isa-debug-exit port. The helper's own kernel reaching it proves that the
 * accelerator runs what the helper runs, up to user space. Built as bytes at
 * probe time: no compiler, no binary fixture.
 */

export const DEBUG_EXIT_PORT = 0xf4;
/** isa-debug-exit makes qemu exit with (value << 1) | 1. */
export const PROBE_EXIT_VALUE = 0x21;
export const PROBE_EXIT_CODE = (PROBE_EXIT_VALUE << 1) | 1;
export const PROBE_LINE = 'snf-image-probe: init ran';

const LOAD_ADDRESS = 0x400000;
const ELF_HEADER_BYTES = 64;
const PROGRAM_HEADER_BYTES = 56;
const CODE_OFFSET = ELF_HEADER_BYTES + PROGRAM_HEADER_BYTES;

function u32(value: number): number[] {
  return [value & 0xff, (value >> 8) & 0xff, (value >> 16) & 0xff, (value >>> 24) & 0xff];
}

/** write(1, line), ioperm(DEBUG_EXIT_PORT, 1, 1), out DEBUG_EXIT_PORT; then spin (an init must not exit). */
function initCode(lineAddress: number, lineBytes: number): Buffer {
  return Buffer.from([
    0xb8, ...u32(1), // mov eax, SYS_write
    0xbf, ...u32(1), // mov edi, 1 (the console, opened by the kernel)
    0xbe, ...u32(lineAddress), // mov esi, line
    0xba, ...u32(lineBytes), // mov edx, length
    0x0f, 0x05, // syscall
    0xb8, ...u32(173), // mov eax, SYS_ioperm
    0xbf, ...u32(DEBUG_EXIT_PORT), // mov edi, port
    0xbe, ...u32(1), // mov esi, 1 port
    0xba, ...u32(1), // mov edx, on
    0x0f, 0x05, // syscall
    0xb0, PROBE_EXIT_VALUE, // mov al, value
    0xe6, DEBUG_EXIT_PORT, // out port, al
    0xeb, 0xfe, // jmp $
  ]);
}

/** A minimal static ELF64 executable: one read-write-execute segment holding the code and the line. */
export function probeInit(): Buffer {
  const line = Buffer.from(`${PROBE_LINE}\n`);
  const codeLength = initCode(0, 0).length;
  const code = initCode(LOAD_ADDRESS + CODE_OFFSET + codeLength, line.length);
  const body = Buffer.concat([code, line]);
  const fileSize = CODE_OFFSET + body.length;
  const header = Buffer.alloc(CODE_OFFSET);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]).copy(header, 0); // ELF, 64-bit, little-endian, version 1, System V
  header.writeUInt16LE(2, 16); // ET_EXEC
  header.writeUInt16LE(0x3e, 18); // x86-64
  header.writeUInt32LE(1, 20);
  header.writeBigUInt64LE(BigInt(LOAD_ADDRESS + CODE_OFFSET), 24); // entry
  header.writeBigUInt64LE(BigInt(ELF_HEADER_BYTES), 32); // program headers
  header.writeUInt16LE(ELF_HEADER_BYTES, 52);
  header.writeUInt16LE(PROGRAM_HEADER_BYTES, 54);
  header.writeUInt16LE(1, 56); // one program header
  const ph = ELF_HEADER_BYTES;
  header.writeUInt32LE(1, ph); // PT_LOAD
  header.writeUInt32LE(7, ph + 4); // read, write, execute
  header.writeBigUInt64LE(0n, ph + 8); // from file offset 0
  header.writeBigUInt64LE(BigInt(LOAD_ADDRESS), ph + 16);
  header.writeBigUInt64LE(BigInt(LOAD_ADDRESS), ph + 24);
  header.writeBigUInt64LE(BigInt(fileSize), ph + 32);
  header.writeBigUInt64LE(BigInt(fileSize), ph + 40);
  header.writeBigUInt64LE(0x1000n, ph + 48);
  return Buffer.concat([header, body]);
}

interface CpioEntry {
  readonly name: string;
  readonly mode: number;
  readonly data?: Buffer;
  readonly device?: { readonly major: number; readonly minor: number };
}

function pad4(length: number): Buffer {
  return Buffer.alloc((4 - (length % 4)) % 4);
}

/** One entry of a cpio "newc" archive, the format the kernel unpacks an initramfs from. */
function cpioEntry(entry: CpioEntry, inode: number): Buffer {
  const data = entry.data ?? Buffer.alloc(0);
  const name = Buffer.from(`${entry.name}\0`);
  const fields = [
    inode, entry.mode, 0, 0, 1, 0, data.length, 0, 0, entry.device?.major ?? 0, entry.device?.minor ?? 0, name.length, 0,
  ];
  const header = Buffer.from(`070701${fields.map((f) => f.toString(16).padStart(8, '0')).join('')}`);
  return Buffer.concat([header, name, pad4(header.length + name.length), data, pad4(data.length)]);
}

/** The probe's initramfs: /dev/console (so init has a console) and /init. */
export function probeInitramfs(): Buffer {
  const entries: CpioEntry[] = [
    { name: 'dev', mode: 0o40755 },
    { name: 'dev/console', mode: 0o20600, device: { major: 5, minor: 1 } },
    { name: 'init', mode: 0o100755, data: probeInit() },
    { name: 'TRAILER!!!', mode: 0 },
  ];
  return Buffer.concat(entries.map((e, i) => cpioEntry(e, i + 1)));
}
