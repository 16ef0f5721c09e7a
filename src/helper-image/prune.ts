import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log.ts';

/** A build in progress (its lock, its scratch directory) belongs to another process: never pruned. */
const IN_PROGRESS = /\.(lock|partial)$/;

/**
 * Removes from the helper-image cache every helper directory and layer that
 * the current recipe does not use: each recipe change leaves a full image
 * (hundreds of MB) behind otherwise. `keep` holds the paths, relative to
 * `cacheDir`, of what the current recipe uses (its HELPER_DIR and layers).
 * Returns the paths removed.
 */
export async function pruneHelperCache(cacheDir: string, keep: readonly string[], log: Logger): Promise<string[]> {
  const kept = new Set(keep);
  const removed: string[] = [];
  const prune = async (relativeDir: string, skip: ReadonlySet<string>) => {
    for (const name of await readdir(join(cacheDir, relativeDir)).catch(() => [] as string[])) {
      const path = relativeDir === '' ? name : `${relativeDir}/${name}`;
      if (skip.has(name) || kept.has(path) || IN_PROGRESS.test(name)) continue;
      await rm(join(cacheDir, path), { recursive: true, force: true });
      removed.push(path);
    }
  };
  await prune('', new Set(['layers']));
  await prune('layers', new Set());
  if (removed.length > 0) log.info({ cacheDir, removed }, 'removed helper images and layers the current recipe does not use');
  return removed;
}
