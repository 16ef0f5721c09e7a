import { lstat, mkdir, readFile, readlink, rename, rmdir, symlink, unlink, writeFile, chmod } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { isSnfImageError, SnfImageError } from '../errors.ts';
import { MANIFEST_NAME, manifestPath, readManifest, sha256, writeManifest, type ManifestEntry } from './install-manifest.ts';
import { DEFAULT_OS_DIR, plannedEntries, standardLocations, type OsDefinitionLocations, type PlannedEntry } from './os-definition.ts';
import type { ProgramPaths } from './os-scripts.ts';
import { PROGRAM_ENTRY } from '../program-files.ts';

export class NotInstalledByUsError extends SnfImageError {
  override readonly name = 'NotInstalledByUsError';
  constructor(readonly path: string) {
    super(`${path} exists and was not written by snf-image install-os: move it away (another OS definition?) or install into another --dir`);
  }
}

export interface InstallReport {
  readonly written: readonly string[];
  /** The operator's files that already existed and were left alone. */
  readonly kept: readonly string[];
}

export interface UninstallReport {
  readonly removed: readonly string[];
  /** What install-os wrote but somebody changed since (or a directory not empty): left in place. */
  readonly kept: readonly string[];
}

/** Where this installation's node and its entry script (bin/snf-image.js, or the package's bundle) are. */
export function currentProgram(): ProgramPaths {
  return { node: process.execPath, entry: PROGRAM_ENTRY };
}

/**
 * Writes the OS definition and, when missing, the operator's files.
 * Idempotent: a second run rewrites the OS definition (a new node path, say)
 * and changes nothing else. The manifest is saved after every step, so even a
 * run that fails halfway can be uninstalled.
 */
export async function installOsDefinition(locations: OsDefinitionLocations, program: ProgramPaths): Promise<InstallReport> {
  const recorded = new Map<string, ManifestEntry>();
  for (const entry of (await readManifest(locations.osDir))?.entries ?? []) recorded.set(entry.path, entry);
  const save = () => writeManifest(locations.osDir, { entries: [...recorded.values()] });
  const written: string[] = [];
  const kept: string[] = [];

  const makeParents = async (dir: string) => {
    for (const made of await makeDirectories(dir)) recorded.set(made, { kind: 'directory', path: made });
    await save();
  };

  await makeParents(locations.osDir);
  for (const entry of plannedEntries(locations, program)) {
    await makeParents(dirname(entry.path));
    const exists = (await lstatOrUndefined(entry.path)) !== undefined;
    if (exists && entry.ownership === 'operator') {
      kept.push(entry.path);
      continue;
    }
    if (exists && !recorded.has(entry.path)) throw new NotInstalledByUsError(entry.path);
    recorded.set(entry.path, await writeEntry(entry));
    written.push(entry.path);
    await save();
  }
  return { written, kept };
}

/** Removes what the manifest lists, newest first; directories last, and only when empty. */
export async function uninstallOsDefinition(osDir: string): Promise<UninstallReport> {
  const manifest = await readManifest(osDir);
  if (manifest === undefined) return { removed: [], kept: [] };
  const removed: string[] = [];
  const kept: string[] = [];
  const newestFirst = [...manifest.entries].reverse();

  for (const entry of newestFirst) {
    if (entry.kind === 'directory') continue;
    const outcome = await removeIfUnchanged(entry);
    if (outcome === 'removed') removed.push(entry.path);
    if (outcome === 'changed') kept.push(entry.path);
  }
  await unlink(manifestPath(osDir));
  for (const entry of newestFirst) {
    if (entry.kind !== 'directory') continue;
    try {
      await rmdir(entry.path);
      removed.push(entry.path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST') kept.push(entry.path);
      else if (code !== 'ENOENT') throw error;
    }
  }
  return { removed, kept };
}

const USAGE = `usage: snf-image install-os [--dir DIR] [--root ROOT] [--uninstall]

Installs the snf-image Ganeti OS definition into DIR (default ${DEFAULT_OS_DIR}),
with scripts that run this installation's snf-image, and writes
/etc/snf-image/snf-image.conf, /etc/ganeti/snf-image/variants.list and
/etc/ganeti/snf-image/variants/default.conf when they are missing.
--root puts those /etc files under ROOT instead of /.
--uninstall removes exactly what install-os wrote there, except files changed since.
`;

/** Where the report and the errors go; tests pass their own. */
export interface InstallOsIo {
  readonly stdout: Writable;
  readonly stderr: Writable;
}

export async function runInstallOs(argv: string[], io: InstallOsIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let options: { dir: string; root: string; uninstall: boolean; help: boolean };
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        dir: { type: 'string', default: DEFAULT_OS_DIR },
        root: { type: 'string', default: '/' },
        uninstall: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
    options = { dir: values.dir, root: values.root, uninstall: values.uninstall, help: values.help };
  } catch (error) {
    io.stderr.write(`snf-image install-os: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  const osDir = resolve(options.dir);
  try {
    if (options.uninstall) {
      const report = await uninstallOsDefinition(osDir);
      if (report.removed.length === 0 && report.kept.length === 0) io.stdout.write(`nothing to remove: install-os left no manifest (${MANIFEST_NAME}) in ${osDir}\n`);
      for (const path of report.removed) io.stdout.write(`removed ${path}\n`);
      for (const path of report.kept) io.stdout.write(`kept ${path} (changed since install-os wrote it, or not empty)\n`);
    } else {
      const report = await installOsDefinition(standardLocations(osDir, resolve(options.root)), currentProgram());
      for (const path of report.written) io.stdout.write(`wrote ${path}\n`);
      for (const path of report.kept) io.stdout.write(`kept ${path} (it already exists)\n`);
    }
    return 0;
  } catch (error) {
    if (!isSnfImageError(error) && !isFileSystemError(error)) throw error;
    io.stderr.write(`snf-image install-os: ${(error as Error).message}\n`);
    return 1;
  }
}

/** Creates the directory and its missing parents; returns those it created, outermost first. */
async function makeDirectories(dir: string): Promise<string[]> {
  const missing: string[] = [];
  for (let d = resolve(dir); (await lstatOrUndefined(d)) === undefined; d = dirname(d)) missing.unshift(d);
  for (const d of missing) await mkdir(d, { mode: 0o755 });
  // mkdir's mode is filtered by the umask (Ganeti's is 0077); set it exactly.
  for (const d of missing) await chmod(d, 0o755);
  return missing;
}

async function writeEntry(entry: PlannedEntry): Promise<ManifestEntry> {
  if (entry.kind === 'symlink') {
    await unlinkIfPresent(entry.path);
    await symlink(entry.target, entry.path);
    return { kind: 'symlink', path: entry.path, target: entry.target };
  }
  // Written beside and renamed, so Ganeti never runs a half-written script.
  const temporary = `${entry.path}.snf-image-new`;
  await writeFile(temporary, entry.text, { mode: entry.mode });
  await chmod(temporary, entry.mode);
  await rename(temporary, entry.path);
  return { kind: 'file', path: entry.path, sha256: sha256(entry.text) };
}

async function removeIfUnchanged(entry: ManifestEntry): Promise<'removed' | 'changed' | 'gone'> {
  const stats = await lstatOrUndefined(entry.path);
  if (stats === undefined) return 'gone';
  if (entry.kind === 'symlink') {
    if (!stats.isSymbolicLink() || (await readlink(entry.path)) !== entry.target) return 'changed';
  } else if (entry.kind === 'file') {
    if (!stats.isFile() || sha256(await readFile(entry.path)) !== entry.sha256) return 'changed';
  }
  await unlink(entry.path);
  return 'removed';
}

async function lstatOrUndefined(path: string) {
  try {
    return await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function unlinkIfPresent(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

function isFileSystemError(error: unknown): boolean {
  return typeof (error as NodeJS.ErrnoException | null)?.code === 'string' && typeof (error as NodeJS.ErrnoException).syscall === 'string';
}
