import type { InputFiles, PathKind } from '../../../src/host/inputs/input-files.ts';

/**
 * InputFiles over a map: text files by path, plus the kind of other paths
 * (block devices, directories). Anything else is missing.
 */
export function memoryFiles(texts: Record<string, string> = {}, kinds: Record<string, PathKind> = {}): InputFiles {
  return {
    async readText(path) {
      return texts[path];
    },
    async kind(path) {
      return kinds[path] ?? (path in texts ? 'file' : 'missing');
    },
  };
}
