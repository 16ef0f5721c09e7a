import { createHash } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SnfImageError } from '../errors.ts';

/**
 * What install-os created, in the order it created it, kept in the OS
 * directory so `--uninstall` removes exactly that: a file only while its
 * content is still what was written (an operator's edits are kept), a
 * directory only when it is empty.
 */
export type ManifestEntry =
  | { readonly kind: 'directory'; readonly path: string }
  | { readonly kind: 'file'; readonly path: string; readonly sha256: string }
  | { readonly kind: 'symlink'; readonly path: string; readonly target: string };

export interface Manifest {
  readonly entries: readonly ManifestEntry[];
}

export const MANIFEST_NAME = '.snf-image-install-manifest.json';

export class ManifestUnreadableError extends SnfImageError {
  override readonly name = 'ManifestUnreadableError';
  constructor(readonly path: string, reason: string) {
    super(`the install manifest ${path} is unreadable (${reason}); remove the OS directory's files by hand, or delete the manifest and run install-os again`);
  }
}

export function manifestPath(osDir: string): string {
  return join(osDir, MANIFEST_NAME);
}

export function sha256(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The manifest, or undefined when install-os never wrote one there. */
export async function readManifest(osDir: string): Promise<Manifest | undefined> {
  const path = manifestPath(osDir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ManifestUnreadableError(path, (error as Error).message);
  }
  try {
    const parsed = JSON.parse(text) as Manifest;
    if (!Array.isArray(parsed.entries)) throw new Error('no entries list');
    return parsed;
  } catch (error) {
    throw new ManifestUnreadableError(path, (error as Error).message);
  }
}

export async function writeManifest(osDir: string, manifest: Manifest): Promise<void> {
  const path = manifestPath(osDir);
  await writeFile(`${path}.tmp`, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o644 });
  await rename(`${path}.tmp`, path);
}
