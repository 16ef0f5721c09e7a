import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { REPO_DIR } from './support/install-snf-image.ts';

/**
 * import and export as Ganeti runs them: separate processes whose stdin or
 * stdout is the data, with the log on stderr.
 */
function scriptProcess(module: string, fn: string, env: Record<string, string>, options: { input?: Buffer; stdout?: 'pipe' } = {}) {
  const code = `const m = await import(${JSON.stringify(`./src/ganeti/${module}`)}); process.exitCode = await m.${fn}(process.env);`;
  return execa(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: REPO_DIR,
    env: { ...env, SNF_IMAGE_LOG_LEVEL: 'info' },
    input: options.input,
    encoding: 'buffer',
    reject: false,
  });
}

describe('import and export as processes', () => {
  let dir: string;
  let disk: string;
  let content: Buffer;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ganeti-scripts-'));
    disk = join(dir, 'disk0');
    content = randomBytes(3 * 1024 * 1024 + 1);
    await writeFile(disk, content);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('export puts the disk and nothing else on stdout, and its log on stderr', async () => {
    const result = await scriptProcess('export.ts', 'runExport', { EXPORT_DEVICE: disk });
    assert.equal(result.exitCode, 0, Buffer.from(result.stderr).toString());
    assert.ok(Buffer.from(result.stdout).equals(content));
    assert.match(Buffer.from(result.stderr).toString(), /"msg":"exported 3145729 bytes"/);
  });

  it('export fails when the reader of stdout goes away', async () => {
    const exportToHead = `set -o pipefail; node --import tsx --input-type=module -e "const m = await import('./src/ganeti/export.ts'); process.exitCode = await m.runExport(process.env)" | head -c 10 >/dev/null`;
    const result = await execa('bash', ['-c', exportToHead], { cwd: REPO_DIR, env: { EXPORT_DEVICE: disk }, reject: false });
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /the export of .* stopped after \d+ of 3145729 bytes: the reader of stdout went away/);
  });

  it('import writes stdin onto the disk', async () => {
    const target = join(dir, 'disk1');
    await writeFile(target, Buffer.alloc(content.length + 4096));
    const noConfig = { SNF_IMAGE_CONFIG_FILE: join(dir, 'no-such.conf') };
    const result = await scriptProcess('import.ts', 'runImport', { IMPORT_DEVICE: target, ...noConfig }, { input: content });
    assert.equal(result.exitCode, 0, Buffer.from(result.stderr).toString());
    assert.ok((await readFile(target)).subarray(0, content.length).equals(content));
    assert.equal(Buffer.from(result.stdout).length, 0, 'import prints nothing on stdout');
  });
});
