import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeWorkDir, removeOrphanedWorkDirs, withWorkDir, workDirPrefix } from '../../src/host/work-dirs.ts';

/** The pid of a process that ran and is gone. */
function deadPid(): number {
  const child = spawnSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' });
  return Number(child.stdout.trim());
}

describe('work directories', () => {
  let parent: string;
  before(async () => {
    parent = await mkdtemp(join(tmpdir(), 'work-dirs-test-'));
  });
  after(() => rm(parent, { recursive: true, force: true }));

  it('are private and named with their owner', async () => {
    const path = await makeWorkDir('create');
    try {
      assert.ok(path.startsWith(join(tmpdir(), workDirPrefix('create'))), path);
      assert.equal((await stat(path)).mode & 0o777, 0o700);
    } finally {
      await rm(path, { recursive: true });
    }
  });

  it('made for a task are removed with their contents, even when it fails', async () => {
    let seen = '';
    await assert.rejects(
      withWorkDir('config', async (path) => {
        seen = path;
        await writeFile(join(path, 'rules.json'), '{"PASSWD":"secret"}');
        throw new Error('mke2fs failed');
      }),
      /mke2fs failed/,
    );
    await assert.rejects(stat(seen), { code: 'ENOENT' });
  });

  it('left by a create that is gone are removed by the next one; those of running ones are kept', async () => {
    const gone = join(parent, `${workDirPrefix('create', deadPid())}abc123`);
    const goneConfig = join(parent, `${workDirPrefix('config', deadPid())}def456`);
    const running = join(parent, `${workDirPrefix('create')}ghi789`);
    const other = join(parent, 'snf-image-demo');
    for (const path of [gone, goneConfig, running, other]) await mkdir(path);
    await writeFile(join(gone, 'config.img'), 'root password in clear');
    assert.deepEqual((await removeOrphanedWorkDirs(parent)).sort(), [goneConfig, gone].sort());
    assert.deepEqual((await readdir(parent)).sort(), [other, running].map((p) => p.slice(parent.length + 1)).sort());
  });
});
