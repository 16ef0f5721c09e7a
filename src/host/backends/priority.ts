import { readFile, access } from 'node:fs/promises';
import { join } from 'node:path';

export type BackendKind = 'src' | 'dst';

export interface Prioritized {
  readonly name: string;
  /** The priority snf-image ships for it (its NAME.priority file). */
  readonly defaultPriority: number;
}

/** What a NAME.priority file must hold, as snf-image checks it. */
const PRIORITY = /^[0-9]{1,2}$/;
const PRIORITY_WHEN_INVALID = 50;

/**
 * The back-ends of one kind in the order snf-image probes them: disabled
 * ones (a NAME.disabled file) left out, highest priority first, ties by
 * name in reverse byte order (snf-image's `sort -rn` on "NN@path").
 * A NAME.priority file overrides the shipped priority; one that is not one
 * or two digits counts as 50, with a warning.
 */
export async function orderBackends<B extends Prioritized>(
  kind: BackendKind,
  backends: readonly B[],
  configDir: string,
  warnings: string[],
): Promise<B[]> {
  const enabled: { backend: B; priority: number }[] = [];
  for (const backend of backends) {
    const base = join(configDir, kind, backend.name);
    if (await exists(`${base}.disabled`)) {
      warnings.push(`Not examining disabled ${kind} back-end ${backend.name}`);
      continue;
    }
    enabled.push({ backend, priority: await readPriority(`${base}.priority`, backend, warnings) });
  }
  return enabled
    .sort((a, b) => b.priority - a.priority || (a.backend.name < b.backend.name ? 1 : a.backend.name > b.backend.name ? -1 : 0))
    .map((e) => e.backend);
}

async function readPriority(path: string, backend: Prioritized, warnings: string[]): Promise<number> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return backend.defaultPriority;
    throw error;
  }
  // The shell's $(< file) drops trailing newlines, so "20\n" is a valid priority.
  const value = text.replace(/\n+$/, '');
  if (PRIORITY.test(value)) return Number(value);
  warnings.push(`Invalid priority "${value}" in ${path}: using ${PRIORITY_WHEN_INVALID}`);
  return PRIORITY_WHEN_INVALID;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
