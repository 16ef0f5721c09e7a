/**
 * `npm run package`: builds dist/snf-image_VERSION_all.deb with dpkg-deb.
 * The program is one esbuild bundle that node runs with no node_modules;
 * beside it, the files it reads at run time at their checkout paths (the
 * helper-image recipe and its build steps' sources, the prebuilt helper
 * program, the visualizer page). The OS definition goes into Ganeti's OS
 * search path, the operator's files are conffiles, and the man pages are
 * made from the program's own help. Depends and Recommends come from
 * scripts/debian-packages.txt (the node and helper purposes).
 *
 * Usage: node --import tsx scripts/build-deb.ts [OUT_DIR]   (default: dist)
 */
import { execFileSync } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { configFileText, localSourceConfText } from '../src/ganeti/config-templates.ts';
import { plannedEntries, standardLocations } from '../src/ganeti/os-definition.ts';
import { BUNDLE_NAME } from '../src/program-files.ts';
import { SETTINGS } from '../src/host/inputs/settings.ts';
import { bundlePageScript, PACKAGED_PAGE_SCRIPT } from '../visualizer/build-page.ts';
import { commandManPage, configManPage, subcommandNames } from './man-pages.ts';

const REPO = resolve(import.meta.dirname, '..');
/** Where the package puts the program and its files. */
const PACKAGE_ROOT = '/usr/share/snf-image/';
/** The last directory of Ganeti's OS search path, the one for packages. */
const PACKAGE_OS_DIR = '/usr/share/ganeti/os/snf-image';
/** The node the OS definition's scripts run: Debian's and NodeSource's nodejs both install it there. */
const NODE = '/usr/bin/node';

async function main(): Promise<void> {
  const outDir = resolve(process.argv[2] ?? join(REPO, 'dist'));
  const { version, description } = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { version: string; description: string };
  const stage = await mkdtemp(join(tmpdir(), 'snf-image-deb-'));
  try {
    await chmod(stage, 0o755);
    const programDir = join(stage, PACKAGE_ROOT);
    await bundleProgram(join(programDir, BUNDLE_NAME));
    await copyRuntimeFiles(programDir);
    await link(join(stage, 'usr/bin/snf-image'), `../share/snf-image/${BUNDLE_NAME}`);
    const conffiles = await writeOsDefinition(stage);
    await writeManPages(stage, join(programDir, BUNDLE_NAME), version);
    await copyInto(stage, 'usr/share/doc/snf-image/copyright', join(REPO, 'packaging/deb/copyright'));
    await writeControl(stage, { version, description, conffiles });
    await mkdir(outDir, { recursive: true });
    const deb = join(outDir, `snf-image_${version}_all.deb`);
    execFileSync('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', stage, deb], { stdio: ['ignore', 'ignore', 'inherit'] });
    process.stdout.write(`${deb}\n`);
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}

async function bundleProgram(outfile: string): Promise<void> {
  await build({
    entryPoints: [join(REPO, 'src/package-entry.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    legalComments: 'none',
    logLevel: 'warning',
    define: { SNF_IMAGE_PACKAGE_ROOT: JSON.stringify(PACKAGE_ROOT) },
    // The visualizer bundles its page with esbuild in a checkout only; the package ships the page built.
    external: ['esbuild'],
    // Some dependencies are CommonJS and require() Node's builtins; an ES module has no require of its own.
    banner: { js: "#!/usr/bin/env node\nimport { createRequire as snfImageCreateRequire } from 'node:module';\nconst require = snfImageCreateRequire(import.meta.url);" },
  });
  await chmod(outfile, 0o755);
}

/** What the bundle reads at run time, at the paths it has in a checkout (src/program-files.ts). */
async function copyRuntimeFiles(programDir: string): Promise<void> {
  for (const dir of ['helper-image', 'src/helper-image']) {
    for (const name of await readdir(join(REPO, dir))) await copyInto(programDir, join(dir, name), join(REPO, dir, name));
  }
  await chmod(join(programDir, 'helper-image/init'), 0o755);
  execFileSync(process.execPath, [join(REPO, 'scripts/bundle-helper.mjs'), join(programDir, 'dist/helper/snf-image-helper.mjs')], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
  await copyInto(programDir, 'visualizer/page/styles.css', join(REPO, 'visualizer/page/styles.css'));
  await writeInto(programDir, PACKAGED_PAGE_SCRIPT, await bundlePageScript());
}

/** The OS definition as install-os writes it, for the package's paths; returns the conffiles (the operator's files). */
async function writeOsDefinition(stage: string): Promise<string[]> {
  const conffiles: string[] = [];
  for (const entry of plannedEntries(standardLocations(PACKAGE_OS_DIR), { node: NODE, entry: `${PACKAGE_ROOT}${BUNDLE_NAME}` })) {
    if (entry.kind === 'symlink') {
      await link(join(stage, entry.path), entry.target);
      continue;
    }
    await writeInto(stage, entry.path, entry.text, entry.mode);
    if (entry.ownership === 'operator') conffiles.push(entry.path);
  }
  const localConf = '/etc/snf-image/backends/src/local.conf';
  await writeInto(stage, localConf, localSourceConfText());
  return [...conffiles, localConf];
}

async function writeManPages(stage: string, bundle: string, version: string): Promise<void> {
  const run = (args: string[]) => execFileSync(process.execPath, [bundle, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
  const overview = run(['--help']);
  const subcommands = subcommandNames(overview).map((name) => ({ name, help: run([name, '--help']) }));
  const header = { version, date: new Date().toISOString().slice(0, 10) };
  const settings = Object.entries(SETTINGS).map(([name, s]) => ({ name, default: s.default }));
  await writeInto(stage, 'usr/share/man/man8/snf-image.8.gz', gzipSync(commandManPage({ overview, subcommands }, header), { level: 9 }));
  await writeInto(stage, 'usr/share/man/man5/snf-image.conf.5.gz', gzipSync(configManPage(configFileText(), settings, header), { level: 9 }));
}

async function writeControl(stage: string, pkg: { version: string; description: string; conffiles: readonly string[] }): Promise<void> {
  const installedKiB = Number(execFileSync('du', ['-sk', '--exclude=DEBIAN', stage], { encoding: 'utf8' }).split('\t')[0]);
  const control = [
    'Package: snf-image',
    `Version: ${pkg.version}`,
    'Architecture: all',
    'Section: admin',
    'Priority: optional',
    'Maintainer: snf-image developers <root@localhost>',
    `Installed-Size: ${installedKiB}`,
    `Depends: nodejs (>= 20), ${debianPackages('node').join(', ')}`,
    `Recommends: ${debianPackages('helper', 'node').join(', ')}`,
    'Suggests: ganeti',
    `Description: ${pkg.description}`,
    ' A Ganeti OS definition (snf-image) that streams an image onto the',
    ' instance disk and customizes it offline (passwords, keys, hostname,',
    ' network, partitions) inside a throw-away qemu helper VM.',
    ' .',
    ' The Recommends are what `snf-image helper build` needs to build the',
    ' helper VM image from Debian packages.',
    '',
  ].join('\n');
  await writeInto(stage, 'DEBIAN/control', control);
  await writeInto(stage, 'DEBIAN/conffiles', pkg.conffiles.map((f) => `${f}\n`).join(''));
  for (const script of ['postinst', 'postrm']) await copyInto(stage, `DEBIAN/${script}`, join(REPO, 'packaging/deb', script), 0o755);
}

/** The Debian packages a purpose needs (scripts/ensure-setup.sh --list), less those of `minus`. */
function debianPackages(purpose: string, minus?: string): string[] {
  const list = (p: string) => execFileSync('sh', [join(REPO, 'scripts/ensure-setup.sh'), '--list', p], { encoding: 'utf8' }).split('\n').filter((l) => l !== '');
  const excluded = new Set(minus === undefined ? [] : list(minus));
  return list(purpose).filter((p) => !excluded.has(p));
}

async function writeInto(root: string, path: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const target = join(root, path);
  await mkdir(dirname(target), { recursive: true, mode: 0o755 });
  await writeFile(target, data, { mode });
  await chmod(target, mode);
}

async function copyInto(root: string, path: string, from: string, mode = 0o644): Promise<void> {
  const target = join(root, path);
  await mkdir(dirname(target), { recursive: true, mode: 0o755 });
  await copyFile(from, target);
  await chmod(target, mode);
}

async function link(path: string, target: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o755 });
  await symlink(target, path);
}

await main();
