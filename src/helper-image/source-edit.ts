import { KernelBuildFailed } from './kernel-build-failed.ts';

/**
 * One edit of a file of the kernel's source: the text it is anchored on,
 * which must occur exactly once, and the text that replaces it.
 */
export interface SourceEdit {
  readonly anchor: string;
  readonly replacement: string;
}

/** What a set of edits is for, for the error that stops the build when the source no longer holds their anchors. */
export interface EditedFile {
  /** Its path in the kernel tree, e.g. fs/ufs/super.c. */
  readonly path: string;
  /** What the edits do, e.g. "the UFS2 superblock search edits". */
  readonly edits: string;
  /** The module that holds them, for the person who has to review them. */
  readonly module: string;
}

/** `source` with the edits made; an anchor that is missing or not unique (another kernel's source) stops the build. */
export function applySourceEdits(source: string, edits: readonly SourceEdit[], file: EditedFile): string {
  return edits.reduce((text, { anchor, replacement }) => {
    const at = text.indexOf(anchor);
    if (at < 0 || text.indexOf(anchor, at + 1) >= 0) {
      throw new KernelBuildFailed(`${file.path} does not hold the code ${file.edits} (${at < 0 ? 'not found' : 'found twice'}): the kernel source changed; review ${file.module}`);
    }
    return text.slice(0, at) + replacement + text.slice(at + anchor.length);
  }, source);
}
