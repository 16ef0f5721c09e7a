import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Processes } from '../effects/processes.ts';
import { releaseMountsUnder } from './mounts.ts';

/** qemu's user-mode emulator (Debian's qemu-user-static): static, so it runs inside the chroot. */
const QEMU_USER = '/usr/bin/qemu-x86_64-static';
/** The CPU the helper VM has under TCG (qemu's default model): the snapshot is made for it. */
const SNAPSHOT_CPU = 'qemu64';

/**
 * V8 options the snapshot is made with, and which Node must be given again to
 * restore it (V8 refuses a snapshot made with other options).
 * - `--no-lazy` compiles every function of the bundle while the snapshot is
 *   made, so the snapshot holds their bytecode and the helper compiles nothing
 *   of its own under TCG: 0.4 s less to the first task, 0.9 s less over a
 *   deployment, for a blob of 10 MB instead of 6.6 MB.
 * - `--jitless` runs that bytecode in V8's interpreter and generates no machine
 *   code. Under TCG, qemu translates every piece of guest code the first time
 *   it runs, so code V8 generates once and runs a few times costs more than it
 *   saves: 0.6-1.3 s less over a deployment (docs/benchmarks.md). The helper
 *   program uses no WebAssembly, which `--jitless` turns off;
 *   `--no-expose-wasm` says so, or V8 warns about it on every start.
 */
export const SNAPSHOT_NODE_OPTIONS: readonly string[] = ['--no-lazy', '--jitless', '--no-expose-wasm'];

/** A startup snapshot and the options Node restores it with. */
export interface StartupSnapshot {
  readonly blob: Uint8Array;
  readonly nodeOptions: readonly string[];
}

/**
 * A V8 startup snapshot of the helper program, made by the helper root's own
 * Node (a snapshot only loads in the binary that wrote it). Without it every
 * start compiles and evaluates the bundle, about half a second under TCG;
 * restored from the snapshot, the program is already compiled and evaluated.
 *
 * V8 also refuses a snapshot made on a CPU with other features than its own,
 * so Node runs under qemu's user-mode emulation of the CPU the helper VM has
 * under TCG. On another CPU (KVM's `-cpu host`) the snapshot does not load
 * and the init starts the plain bundle instead.
 *
 * The root image is mounted read-only (squashfs over a loop device) with a
 * scratch directory on its /tmp, and Node runs chrooted in it with an empty
 * environment.
 */
export async function buildStartupSnapshot(rootImage: string, script: Uint8Array, processes: Processes): Promise<StartupSnapshot> {
  const dir = await mkdtemp(join(tmpdir(), 'snf-image-snapshot-'));
  const root = join(dir, 'root');
  const scratch = join(dir, 'scratch');
  try {
    await mkdir(root);
    await mkdir(scratch);
    await writeFile(join(scratch, 'helper.cjs'), script);
    await copyFile(QEMU_USER, join(scratch, 'qemu'));
    await processes.run('mount', ['-t', 'squashfs', '-o', 'ro,loop', rootImage, root]);
    await processes.run('mount', ['--bind', scratch, join(root, 'tmp')]);
    await processes.run('env', [
      '-i', 'HOME=/tmp', 'LANG=C.UTF-8',
      '/usr/sbin/chroot', root, '/tmp/qemu', '-cpu', SNAPSHOT_CPU,
      '/usr/bin/node', ...SNAPSHOT_NODE_OPTIONS, '--snapshot-blob', '/tmp/helper.blob', '--build-snapshot', '/tmp/helper.cjs',
    ]);
    return { blob: await readFile(join(scratch, 'helper.blob')), nodeOptions: SNAPSHOT_NODE_OPTIONS };
  } finally {
    await releaseMountsUnder(root, processes);
    await rm(dir, { recursive: true, force: true });
  }
}
