import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Removes the traces (`*.jsonl`) in `traceDir` last written more than
 * `maxAgeSeconds` ago: every create writes one, and TRACE_MAX_AGE says how
 * long they are kept. Only trace files are touched; `keep` (the run's own)
 * never is. Returns the names removed.
 */
export async function pruneTraces(traceDir: string, maxAgeSeconds: number, now: number, keep?: string): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(traceDir)) {
    const path = join(traceDir, name);
    if (!name.endsWith('.jsonl') || path === keep) continue;
    const info = await stat(path).catch(() => undefined);
    if (info?.isFile() && now - info.mtimeMs > maxAgeSeconds * 1000) {
      await rm(path, { force: true });
      removed.push(name);
    }
  }
  return removed;
}
