import { promises as fs, type Stats } from 'node:fs';
import { join } from 'node:path';

type Snapshot = Map<string, Stats>;

/** Every path under a root with its lstat, to see afterwards what a task touched. */
export async function snapshot(root: string): Promise<Snapshot> {
  const out: Snapshot = new Map();
  async function walk(guestDir: string): Promise<void> {
    const entries = await fs.readdir(join(root, guestDir), { withFileTypes: true });
    await Promise.all(
      entries.map(async (entry) => {
        const guestPath = `${guestDir === '/' ? '' : guestDir}/${entry.name}`;
        out.set(guestPath, await fs.lstat(join(root, guestPath)));
        if (entry.isDirectory()) await walk(guestPath);
      }),
    );
  }
  await walk('/');
  return out;
}

export interface Change {
  readonly path: string;
  readonly kind: 'added' | 'changed' | 'removed';
  readonly stats: Stats | undefined;
}

/** What differs between two snapshots (a rewrite by rename shows as a new inode). */
export function changesBetween(before: Snapshot, after: Snapshot): Change[] {
  const changes: Change[] = [];
  for (const [path, stats] of after) {
    const old = before.get(path);
    if (!old) changes.push({ path, kind: 'added', stats });
    else if (old.ino !== stats.ino || old.mtimeMs !== stats.mtimeMs || old.mode !== stats.mode || old.uid !== stats.uid || old.gid !== stats.gid || old.size !== stats.size) {
      // A directory's mtime moves whenever a file in it is renamed; only its own attributes count.
      if (stats.isDirectory() && old.mode === stats.mode && old.uid === stats.uid && old.gid === stats.gid) continue;
      changes.push({ path, kind: 'changed', stats });
    }
  }
  for (const [path, stats] of before) if (!after.has(path)) changes.push({ path, kind: 'removed', stats });
  return changes.sort((a, b) => (a.path < b.path ? -1 : 1));
}

/**
 * A readable report of the changes: each path with kind, type, mode and owner,
 * then the text of every file written, with `normalize` replacing what is
 * random (hashes, ids, keys).
 */
export async function describeChanges(root: string, changes: readonly Change[], normalize: (path: string, text: string) => string = (_p, t) => t): Promise<string> {
  const parts: string[] = [];
  for (const { path, kind, stats } of changes) {
    if (kind === 'removed' || !stats) {
      parts.push(`== ${path} (removed)\n`);
      continue;
    }
    const type = stats.isDirectory() ? 'dir' : stats.isSymbolicLink() ? 'symlink' : 'file';
    const mode = (stats.mode & 0o7777).toString(8).padStart(4, '0');
    parts.push(`== ${path} (${kind} ${type} ${mode} ${stats.uid}:${stats.gid})\n`);
    if (type === 'symlink') parts.push(`-> ${await fs.readlink(join(root, path))}\n`);
    if (type === 'file') parts.push(normalize(path, await fs.readFile(join(root, path), 'utf8')));
  }
  return parts.join('');
}
