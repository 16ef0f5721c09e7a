import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { realProcesses } from '../../src/effects/real/processes.ts';
import { ensureHelperImage } from '../../src/helper-image/build.ts';
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

describe('snf-image helper build pruning a real cache', () => {
  it('keeps every layer the current recipe uses and removes a stale image', async () => {
    // A copy of the node's cache made of hard links: the layers are there, only the helper directory is assembled.
    const current = await ensureHelperImage({ log: createLogger('silent') });
    const cache = await mkdtemp(join(tmpdir(), 'snf-image-prune-real-'));
    try {
      await realProcesses.run('cp', ['-al', join(dirname(current), 'layers'), join(cache, 'layers')]);
      await mkdir(join(cache, 'stale'));
      const layers = (await readdir(join(cache, 'layers'))).filter((name) => !name.endsWith('.lock') && !name.endsWith('.partial'));

      const helperDir = await ensureHelperImage({ log: createLogger('silent'), cacheDir: cache, prune: true });

      assert.equal(basename(helperDir), basename(current), 'the same recipe, the same image');
      const left = await readdir(join(cache, 'layers'));
      for (const prefix of ['root-', 'kernel-']) {
        const inUse = layers.filter((name) => name.startsWith(prefix) && left.includes(name));
        assert.equal(inUse.length, 1, `one ${prefix} layer kept (left: ${left.join(', ')})`);
      }
      assert.ok(!(await readdir(cache)).includes('stale'));
    } finally {
      await rm(cache, { recursive: true, force: true });
    }
  });
});
