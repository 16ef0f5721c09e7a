import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** The repository root, found from this file so that any working directory works. */
export const REPO_DIR = fileURLToPath(new URL('../../', import.meta.url));

/** The recipe folder: package list, module list, the initrd's init. */
export const RECIPE_DIR = `${REPO_DIR}helper-image`;

export const recipeFiles = {
  packages: `${RECIPE_DIR}/packages.txt`,
  modules: `${RECIPE_DIR}/modules.txt`,
  init: `${RECIPE_DIR}/init`,
  standInHelper: `${RECIPE_DIR}/stand-in-helper.mjs`,
} as const;

/** The source of a build step, hashed into the cache key of what it builds. */
export function sourceOf(module: string): string {
  return fileURLToPath(new URL(`./${module}`, import.meta.url));
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
