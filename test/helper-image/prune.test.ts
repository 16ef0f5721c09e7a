import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pruneHelperCache } from '../../src/helper-image/prune.ts';
import { createLogger } from '../../src/log.ts';

describe('pruning the helper-image cache', () => {
  it('removes the helper directories and layers the current recipe does not use, and leaves builds in progress alone', async () => {
    const cache = await mkdtemp(join(tmpdir(), 'snf-image-prune-'));
    try {
      for (const dir of ['current', 'old1', 'old2', 'other.partial', 'layers/root-current', 'layers/root-old', 'layers/kernel-current', 'layers/kernel-old', 'layers/kernel-next.partial']) {
        await mkdir(join(cache, dir), { recursive: true });
        await writeFile(join(cache, dir, 'image'), 'x');
      }
      await mkdir(join(cache, 'bundle.lock'));
      await mkdir(join(cache, 'old3.lock'));

      const removed = await pruneHelperCache(cache, ['current', 'layers/root-current', 'layers/kernel-current'], createLogger('silent'));

      assert.deepEqual(removed.sort(), ['layers/kernel-old', 'layers/root-old', 'old1', 'old2']);
      assert.deepEqual((await readdir(cache)).sort(), ['bundle.lock', 'current', 'layers', 'old3.lock', 'other.partial']);
      assert.deepEqual((await readdir(join(cache, 'layers'))).sort(), ['kernel-current', 'kernel-next.partial', 'root-current']);
    } finally {
      await rm(cache, { recursive: true, force: true });
    }
  });
});
