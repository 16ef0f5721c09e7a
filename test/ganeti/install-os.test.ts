import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, readlink, rm, stat, writeFile, lstat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { installOsDefinition, NotInstalledByUsError, runInstallOs as runCli, uninstallOsDefinition } from '../../src/ganeti/install-os.ts';
import { MANIFEST_NAME } from '../../src/ganeti/install-manifest.ts';
import { standardLocations } from '../../src/ganeti/os-definition.ts';
import { OS_SCRIPT_NAMES } from '../../src/ganeti/os-scripts.ts';
import { PARAMETER_DESCRIPTIONS } from '../../src/ganeti/parameters.ts';
import { OS_PARAMETER_NAMES } from '../../machines/host/os-parameter-names.ts';

const run = promisify(execFile);

/** A program that prints its arguments: the scripts then show exactly what they would run. */
const ECHO_PROGRAM = { node: '/bin/echo', entry: "/opt/snf image/it's/bin/snf-image.js" };

async function tree(root: string): Promise<Record<string, string>> {
  const found: Record<string, string> = {};
  const walk = async (dir: string) => {
    for (const name of (await readdir(dir)).sort()) {
      const path = join(dir, name);
      const stats = await lstat(path);
      found[path.slice(root.length)] = stats.isDirectory() ? 'dir' : stats.isSymbolicLink() ? `-> ${await readlink(path)}` : await readFile(path, 'utf8');
      if (stats.isDirectory()) await walk(path);
    }
  };
  await walk(root);
  return found;
}

describe('snf-image install-os', () => {
  let root: string;
  let osDir: string;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'install-os-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const fresh = async (name: string) => {
    const base = join(root, name);
    await mkdir(join(base, 'etc'), { recursive: true });
    osDir = join(base, 'srv/ganeti/os/snf-image');
    return { base, locations: standardLocations(osDir, base) };
  };

  it('writes the OS definition Ganeti looks for, with executable scripts, under umask 0077 too', async () => {
    const { locations } = await fresh('layout');
    const umask = process.umask(0o077);
    try {
      await installOsDefinition(locations, ECHO_PROGRAM);
    } finally {
      process.umask(umask);
    }
    assert.equal(await readFile(join(osDir, 'ganeti_api_version'), 'utf8'), '20\n');
    assert.equal(await readFile(join(osDir, 'variants.list'), 'utf8'), 'default\n');
    assert.equal(await readlink(join(osDir, 'variants.list')), locations.variantsList);
    for (const script of OS_SCRIPT_NAMES) {
      assert.equal((await stat(join(osDir, script))).mode & 0o777, 0o755, `${script} is executable by Ganeti`);
    }
    assert.equal((await stat(osDir)).mode & 0o777, 0o755);
    assert.equal((await stat(locations.configFile)).mode & 0o777, 0o644);
  });

  it('lists every OS parameter with a description in parameters.list', async () => {
    const lines = (await readFile(join(osDir, 'parameters.list'), 'utf8')).trimEnd().split('\n');
    assert.deepEqual(lines.map((line) => line.split(' ')[0]).sort(), [...OS_PARAMETER_NAMES].sort());
    for (const line of lines) {
      const [name, ...description] = line.split(' ');
      assert.equal(description.join(' '), PARAMETER_DESCRIPTIONS[name as keyof typeof PARAMETER_DESCRIPTIONS]);
      assert.ok(description.length > 3, `${name} has a description`);
    }
  });

  it('writes scripts that exec the program by absolute path with the subcommand and Ganeti\'s arguments', async () => {
    const verify = await run(join(osDir, 'verify'), ['parameters'], { cwd: osDir, env: { PATH: '/nonexistent' } });
    assert.equal(verify.stdout, `${ECHO_PROGRAM.entry} verify parameters\n`);
    for (const script of ['create', 'import', 'export', 'rename']) {
      const { stdout } = await run(join(osDir, script), [], { env: { PATH: '/sbin:/bin:/usr/sbin:/usr/bin' } });
      assert.equal(stdout, `${ECHO_PROGRAM.entry} ${script}\n`);
    }
  });

  it('writes the configuration file and the default variant with every entry commented out', async () => {
    const { locations } = await fresh('commented');
    await installOsDefinition(locations, ECHO_PROGRAM);
    for (const file of [locations.configFile, join(locations.variantsDir, 'default.conf')]) {
      const active = (await readFile(file, 'utf8')).split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#'));
      assert.deepEqual(active, [], `${file} sets nothing`);
    }
  });

  it('is idempotent: a second run changes nothing', async () => {
    const { base, locations } = await fresh('twice');
    await installOsDefinition(locations, ECHO_PROGRAM);
    const first = await tree(base);
    const report = await installOsDefinition(locations, ECHO_PROGRAM);
    assert.deepEqual(await tree(base), first);
    assert.deepEqual([...report.kept].sort(), [locations.configFile, locations.variantsList, join(locations.variantsDir, 'default.conf')].sort());
  });

  it('rewrites its scripts when the program moved', async () => {
    const { locations } = await fresh('moved');
    await installOsDefinition(locations, ECHO_PROGRAM);
    await installOsDefinition(locations, { node: '/usr/local/bin/node', entry: '/opt/new/bin/snf-image.js' });
    assert.match(await readFile(join(osDir, 'create'), 'utf8'), /exec '\/usr\/local\/bin\/node' '\/opt\/new\/bin\/snf-image.js' create "\$@"/);
  });

  it("never overwrites the operator's configuration", async () => {
    const { locations } = await fresh('operator');
    await mkdir(join(locations.configFile, '..'), { recursive: true });
    await writeFile(locations.configFile, 'HELPER_MEMORY=1024\n');
    const report = await installOsDefinition(locations, ECHO_PROGRAM);
    assert.equal(await readFile(locations.configFile, 'utf8'), 'HELPER_MEMORY=1024\n');
    assert.ok(report.kept.includes(locations.configFile));
    await uninstallOsDefinition(osDir);
    assert.equal(await readFile(locations.configFile, 'utf8'), 'HELPER_MEMORY=1024\n', 'uninstall leaves it too');
  });

  it('refuses to replace an OS definition it did not write', async () => {
    const { locations } = await fresh('foreign');
    await mkdir(osDir, { recursive: true });
    await writeFile(join(osDir, 'create'), '#!/bin/sh\nexit 0\n');
    await assert.rejects(installOsDefinition(locations, ECHO_PROGRAM), NotInstalledByUsError);
    assert.equal(await readFile(join(osDir, 'create'), 'utf8'), '#!/bin/sh\nexit 0\n');
  });

  it('uninstalls exactly what it wrote, keeping files changed since and directories that existed', async () => {
    const { base, locations } = await fresh('uninstall');
    await mkdir(join(base, 'etc/ganeti'), { recursive: true });
    await writeFile(join(base, 'etc/ganeti/file-storage-paths'), '/srv/ganeti/file-storage\n');
    const before = await tree(base);
    await installOsDefinition(locations, ECHO_PROGRAM);
    await writeFile(join(locations.variantsDir, 'default.conf'), 'IMG_FORMAT=diskdump\n');

    const report = await uninstallOsDefinition(osDir);
    assert.deepEqual([...report.kept].sort(), [join(locations.variantsDir, 'default.conf'), locations.variantsDir, join(base, 'etc/ganeti/snf-image')].sort());
    const left = await tree(base);
    assert.deepEqual(left, {
      ...before,
      '/etc/ganeti/snf-image': 'dir',
      '/etc/ganeti/snf-image/variants': 'dir',
      '/etc/ganeti/snf-image/variants/default.conf': 'IMG_FORMAT=diskdump\n',
    });
  });

  it('runs from the command line: --dir and --root, then --uninstall, leaving nothing', async () => {
    const said: string[] = [];
    const io = { stdout: new PassThrough().on('data', (c: Buffer) => said.push(c.toString())), stderr: new PassThrough().on('data', (c: Buffer) => said.push(c.toString())) };
    const runInstallOs = (argv: string[]) => runCli(argv, io);
    const base = join(root, 'cli');
    await mkdir(base);
    const dir = join(base, 'os/snf-image');
    assert.equal(await runInstallOs(['--dir', dir, '--root', base]), 0);
    assert.ok((await readdir(dir)).includes(MANIFEST_NAME));
    assert.equal(await runInstallOs(['--dir', dir, '--root', base]), 0);
    assert.equal(await runInstallOs(['--dir', dir, '--uninstall']), 0);
    assert.deepEqual(await readdir(base), []);
    assert.equal(await runInstallOs(['--dir', dir, '--uninstall']), 0, 'uninstalling twice is harmless');
    assert.equal(await runInstallOs(['--bogus']), 2);
    assert.match(said.join(''), /wrote .*\/os\/snf-image\/create\n/);
    assert.match(said.join(''), /Unknown option '--bogus'/);
  });
});
