import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { realProcesses } from '../../src/effects/real/processes.ts';
import { mountsUnder, releaseMountsUnder } from '../../src/helper-image/mounts.ts';

test('unmounts what a chroot build left mounted below its directory, deepest first', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'snf-image-mounts-'));
  // A space in a path: /proc/self/mounts writes it as \040.
  const proc = join(dir, 'tree with space/proc');
  try {
    await mkdir(proc, { recursive: true });
    await realProcesses.run('mount', ['-t', 'tmpfs', 'tmpfs', proc]);
    await mkdir(join(proc, 'inner'));
    await realProcesses.run('mount', ['-t', 'tmpfs', 'tmpfs', join(proc, 'inner')]);
    assert.deepEqual(await mountsUnder(dir), [join(proc, 'inner'), proc]);
    await releaseMountsUnder(dir, realProcesses);
    assert.deepEqual(await mountsUnder(dir), []);
  } finally {
    await releaseMountsUnder(dir, realProcesses);
    await rm(dir, { recursive: true, force: true });
  }
});
