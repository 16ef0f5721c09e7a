import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { PROGRAM_ROOT } from '../program-files.ts';

/** The repository root (in the Debian package, the directory that holds the same files), whatever the working directory. */
export const REPO_DIR = PROGRAM_ROOT;

/** The recipe folder: package list, Node pin, kernel configuration, the initrd's init. */
export const RECIPE_DIR = `${REPO_DIR}helper-image`;

export const recipeFiles = {
  packages: `${RECIPE_DIR}/packages.txt`,
  node: `${RECIPE_DIR}/node.json`,
  kernelConfig: `${RECIPE_DIR}/kernel.config`,
  init: `${RECIPE_DIR}/init`,
  standInHelper: `${RECIPE_DIR}/stand-in-helper.mjs`,
} as const;

/**
 * The source of a build step, hashed into the cache key of what it builds.
 * The Debian package ships these sources at the same relative paths, so a
 * package and a checkout of the same version share the cache.
 */
export function sourceOf(module: string): string {
  return `${REPO_DIR}src/helper-image/${module}`;
}

/** Reads a one-item-a-line list, ignoring comments and blank lines. */
export async function readList(path: string): Promise<string[]> {
  const text = await readFile(path, 'utf8');
  return text
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter((line) => line !== '');
}

/** A short, stable key over strings and file contents (each length-prefixed, so parts cannot run together). */
export async function cacheKey(parts: { files?: readonly string[]; values?: readonly (string | Uint8Array)[] }): Promise<string> {
  const hash = createHash('sha256');
  const add = (data: string | Uint8Array) => {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    hash.update(`${bytes.length}:`).update(bytes);
  };
  for (const file of parts.files ?? []) {
    add(file.slice(REPO_DIR.length));
    add(await readFile(file));
  }
  for (const value of parts.values ?? []) add(value);
  return hash.digest('hex').slice(0, 16);
}
