import { readFile, stat } from 'node:fs/promises';
import type { InputFiles, PathKind } from './input-files.ts';

/** InputFiles on the real filesystem. */
export const realInputFiles: InputFiles = {
  async readText(path) {
    try {
      return await readFile(path, 'utf8');
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  },

  async kind(path): Promise<PathKind> {
    try {
      const stats = await stat(path);
      if (stats.isBlockDevice()) return 'block-device';
      if (stats.isFile()) return 'file';
      if (stats.isDirectory()) return 'directory';
      return 'other';
    } catch (error) {
      if (isMissing(error)) return 'missing';
      throw error;
    }
  },
};

function isMissing(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
