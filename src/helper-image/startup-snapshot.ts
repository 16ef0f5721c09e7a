import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Processes } from '../effects/processes.ts';
import { releaseMountsUnder } from './mounts.ts';

/**
 * A V8 startup snapshot of the helper program, made by the helper root's own
 * Node (a snapshot only loads in the binary that wrote it). Debian's nodejs
 * is built without Node's own snapshot and code cache, so every start compiles
 * Node's bootstrap JavaScript and then the bundle; under TCG that is seconds.
 * Restored from the snapshot, both are already compiled and evaluated.
 *
 * The root image is mounted read-only (squashfs over a loop device) with a
 * scratch directory on its /tmp, and `node --build-snapshot` runs chrooted in
 * it with an empty environment.
 */
export async function buildStartupSnapshot(rootImage: string, script: Uint8Array, processes: Processes): Promise<Uint8Array> {
  const dir = await mkdtemp(join(tmpdir(), 'snf-image-snapshot-'));
  const root = join(dir, 'root');
  const scratch = join(dir, 'scratch');
  try {
    await mkdir(root);
    await mkdir(scratch);
    await writeFile(join(scratch, 'helper.cjs'), script);
    await processes.run('mount', ['-t', 'squashfs', '-o', 'ro,loop', rootImage, root]);
    await processes.run('mount', ['--bind', scratch, join(root, 'tmp')]);
    await processes.run('chroot', [root, '/usr/bin/env', '-i', 'HOME=/tmp', 'LANG=C.UTF-8', '/usr/bin/node', '--snapshot-blob', '/tmp/helper.blob', '--build-snapshot', '/tmp/helper.cjs']);
    return await readFile(join(scratch, 'helper.blob'));
  } finally {
    await releaseMountsUnder(root, processes);
    await rm(dir, { recursive: true, force: true });
  }
}
