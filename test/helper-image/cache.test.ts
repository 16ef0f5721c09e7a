import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { pino } from 'pino';
import { realProcesses } from '../../src/effects/real/processes.ts';
import { buildOnce, withLock } from '../../src/helper-image/cache.ts';
import { cacheKey } from '../../src/helper-image/recipe.ts';

const log = pino({ level: 'silent' });
const tools = { log, processes: realProcesses };

describe('the helper image cache', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'snf-image-cache-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('builds a directory once and reuses it', async () => {
    let builds = 0;
    const build = async (scratch: string) => {
      builds++;
      await writeFile(join(scratch, 'file'), 'content');
    };
    assert.equal(await buildOnce(join(dir, 'layer'), tools, build), true);
    assert.equal(await buildOnce(join(dir, 'layer'), tools, build), false);
    assert.equal(builds, 1);
    assert.equal(await readFile(join(dir, 'layer/file'), 'utf8'), 'content');
  });

  test('leaves nothing behind when the build fails', async () => {
    await assert.rejects(
      buildOnce(join(dir, 'layer'), tools, async (scratch) => {
        await writeFile(join(scratch, 'half'), 'x');
        throw new Error('debootstrap failed');
      }),
      /debootstrap failed/,
    );
    assert.deepEqual(await readdir(dir), []);
  });

  test('concurrent callers build once', async () => {
    let builds = 0;
    const build = async (scratch: string) => {
      builds++;
      await new Promise((resolve) => setTimeout(resolve, 50));
      await writeFile(join(scratch, 'file'), 'content');
    };
    const built = await Promise.all([1, 2, 3].map(() => buildOnce(join(dir, 'layer'), tools, build)));
    assert.equal(builds, 1);
    assert.deepEqual(built.filter(Boolean), [true]);
  });

  test('takes over a lock whose holder died', async () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    await mkdir(join(dir, 'lock'));
    await writeFile(join(dir, 'lock/pid'), dead.stdout);
    assert.equal(await withLock(join(dir, 'lock'), log, async () => 'ran'), 'ran');
    assert.deepEqual(await readdir(dir), []);
  });

  test('keys change with file contents and values, and only with them', async () => {
    const file = join(dir, 'recipe.txt');
    await writeFile(file, 'nodejs\n');
    const first = await cacheKey({ files: [file], values: ['a'] });
    assert.equal(await cacheKey({ files: [file], values: ['a'] }), first);
    assert.notEqual(await cacheKey({ files: [file], values: ['b'] }), first);
    await writeFile(file, 'nodejs\nperl\n');
    assert.notEqual(await cacheKey({ files: [file], values: ['a'] }), first);
    // Length prefixes: moving a boundary between parts gives another key.
    assert.notEqual(await cacheKey({ values: ['ab', 'c'] }), await cacheKey({ values: ['a', 'bc'] }));
  });
});
