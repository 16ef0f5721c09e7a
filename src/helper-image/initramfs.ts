import { chmod, copyFile, link, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Processes } from '../effects/processes.ts';
import { SnfImageError } from '../errors.ts';
import type { StartupSnapshot } from './startup-snapshot.ts';

/** Debian's busybox-static: the initrd has no libraries, so it must be the static build. */
const BUSYBOX = '/bin/busybox';

/** Where the initrd keeps the helper program; the init bind-mounts it on /usr/lib/snf-image of the root. */
export const HELPER_PROGRAM_PATH = 'lib/snf-image/snf-image-helper.mjs';
/** Where it keeps the program's startup snapshot, when there is one: the init starts Node from it. */
export const HELPER_SNAPSHOT_PATH = 'lib/snf-image/snf-image-helper.blob';
/** busybox again (a hard link), where the helper program finds it (/usr/lib/snf-image/busybox): it powers off with it. */
export const HELPER_BUSYBOX_PATH = 'lib/snf-image/busybox';
/** The options Node restores the snapshot with, one line: the init passes them before --snapshot-blob. */
export const HELPER_SNAPSHOT_OPTIONS_PATH = 'lib/snf-image/snf-image-helper.blob-options';

export interface InitrdContents {
  /** The init script, run as PID 1. */
  readonly init: string;
  /** The helper program, as bytes so the initrd holds exactly what was hashed. */
  readonly helperProgram: Uint8Array;
  /** Its V8 startup snapshot (startup-snapshot.ts), if it has one. */
  readonly helperSnapshot?: StartupSnapshot;
}

export class InitrdBuildFailed extends SnfImageError {
  override readonly name = 'InitrdBuildFailed';
}

/** Whether a 64-bit ELF executable asks for a dynamic loader (has a PT_INTERP program header). */
function needsDynamicLoader(elf: Buffer): boolean {
  const PT_INTERP = 3;
  const headers = Number(elf.readBigUInt64LE(0x20));
  const size = elf.readUInt16LE(0x36);
  const count = elf.readUInt16LE(0x38);
  for (let i = 0; i < count; i++) if (elf.readUInt32LE(headers + i * size) === PT_INTERP) return true;
  return false;
}

/**
 * Writes the initrd: busybox with its applets, the init and the helper
 * program, as an uncompressed cpio (decompressing it under TCG would
 * cost more time than reading the extra megabytes).
 */
export async function buildInitrd(output: string, contents: InitrdContents, processes: Processes): Promise<void> {
  const staging = await mkdtemp(join(tmpdir(), 'snf-image-initrd-'));
  try {
    for (const dir of ['bin', 'dev', 'proc', 'sys', 'root', 'lib/snf-image']) await mkdir(join(staging, dir), { recursive: true });
    if (needsDynamicLoader(await readFile(BUSYBOX))) {
      throw new InitrdBuildFailed(`${BUSYBOX} is linked dynamically and the initrd has no libraries: install busybox-static`);
    }
    await copyFile(BUSYBOX, join(staging, 'bin/busybox'));
    await link(join(staging, 'bin/busybox'), join(staging, HELPER_BUSYBOX_PATH));
    const { stdout } = await processes.run(BUSYBOX, ['--list']);
    for (const applet of stdout.split('\n').filter((name) => name !== '' && name !== 'busybox')) {
      await symlink('busybox', join(staging, 'bin', applet));
    }
    // The kernel opens the console for /init before anything is mounted.
    await processes.run('mknod', ['-m', '600', join(staging, 'dev/console'), 'c', '5', '1']);
    await copyFile(contents.init, join(staging, 'init'));
    await chmod(join(staging, 'init'), 0o755);
    await writeFile(join(staging, HELPER_PROGRAM_PATH), contents.helperProgram);
    if (contents.helperSnapshot) {
      await writeFile(join(staging, HELPER_SNAPSHOT_PATH), contents.helperSnapshot.blob);
      await writeFile(join(staging, HELPER_SNAPSHOT_OPTIONS_PATH), `${contents.helperSnapshot.nodeOptions.join(' ')}\n`);
    }
    await processes.run('sh', ['-c', 'cd "$1" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 --reproducible >"$2"', 'sh', staging, output]);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
