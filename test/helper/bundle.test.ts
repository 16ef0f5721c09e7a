import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { realProcesses } from '../../src/effects/real/processes.ts';

const SCRIPT = fileURLToPath(new URL('../../scripts/bundle-helper.mjs', import.meta.url));

describe('helper bundle', () => {
  it('bundles the helper into one ES module for Node 18, and a CommonJS script for its snapshot, that start and check their arguments', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'snf-image-bundle-'));
    try {
      const outfile = join(dir, 'snf-image-helper.mjs');
      await realProcesses.run(process.execPath, [SCRIPT, outfile]);
      const code = await readFile(outfile, 'utf8');
      assert.ok(!/from ['"](xstate|zod|execa)['"]/.test(code), 'dependencies are inside the bundle');
      // child_process may not be loaded at start: the startup snapshot cannot hold it.
      assert.ok(!/^import .* from ['"]node:child_process['"]/m.test(code), 'child_process is loaded on first use');
      for (const program of [outfile, join(dir, 'snf-image-helper.snapshot.cjs')]) {
        const run = await realProcesses.run(process.execPath, [program, '--rules-dir'], { allowFailure: true });
        assert.equal(run.exitCode, 2);
        assert.match(run.stderr, /^snf-image-helper: --rules-dir needs a value\nusage: snf-image-helper/);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
