import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * A small raw disk shaped like a guest image: data, a long zero run, data
 * again, zeros to a size that is not a whole number of 64 KiB clusters.
 */
export function rawDisk(): Buffer {
  return Buffer.concat([randomBytes(MiB + 4 * KiB), Buffer.alloc(3 * MiB), randomBytes(768 * KiB), Buffer.alloc(512 * KiB + 3 * KiB)]);
}

/** Writes `raw` into `dir` as `name` and returns the path. */
export function writeRaw(dir: string, name: string, raw: Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, raw);
  return path;
}

/** `qemu-img convert` of a raw file into a qcow2 with the given -o options (compat=0.10 is version 2), -c to compress. */
export function qcow2From(raw: string, out: string, options: readonly string[] = [], compress = false): string {
  execFileSync('qemu-img', ['convert', '-q', '-f', 'raw', '-O', 'qcow2', ...(compress ? ['-c'] : []), ...options.flatMap((o) => ['-o', o]), raw, out]);
  return out;
}

/** What qemu itself reads from an image: the reference a decoded qcow2 must equal. */
export function qemuRaw(image: string, out: string): Buffer {
  execFileSync('qemu-img', ['convert', '-q', '-O', 'raw', image, out]);
  return execFileSync('cat', [out], { maxBuffer: 64 * MiB });
}

/** qemu-io commands on an image, e.g. `write -z 0 1M` (a zero cluster in a version 3 image). */
export function qemuIo(image: string, ...commands: string[]): void {
  execFileSync('qemu-io', ['-f', 'qcow2', ...commands.flatMap((c) => ['-c', c]), image], { stdio: 'ignore' });
}

/**
 * A qcow2 whose active L2 table lies after the data clusters it maps: an
 * internal snapshot shares the tables, so the next write copies the L2 table
 * to the end of the file. A stream decoder meets those clusters before it
 * knows their place.
 */
export function reorderedQcow2(raw: string, out: string): string {
  qcow2From(raw, out);
  execFileSync('qemu-img', ['snapshot', '-c', 'before', out]);
  qemuIo(out, 'write -P 0x5a 64k 64k');
  return out;
}
