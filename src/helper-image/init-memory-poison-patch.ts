import { applySourceEdits, type SourceEdit } from './source-edit.ts';

/** The file the edit changes, in the kernel tree. */
export const X86_MM_INIT_C = 'arch/x86/mm/init.c';

/**
 * When the kernel frees the memory of its __init code after boot, x86 fills
 * it with 0xcc first, so that a stray call into freed code traps. Under TCG
 * that memory still holds code qemu has translated, and qemu invalidates
 * those translations write by write: 0.16 s of every boot for 588 KiB
 * (docs/benchmarks.md). The helper kernel frees it without filling it (a
 * poison of -1 makes free_reserved_area fill nothing); the initrd's
 * memory, freed by the same function, is not filled either.
 */
const EDITS: readonly SourceEdit[] = [
  {
    anchor: '\t\tfree_reserved_area((void *)begin, (void *)end,\n\t\t\t\t   POISON_FREE_INITMEM, what);\n',
    replacement: '\t\tfree_reserved_area((void *)begin, (void *)end, -1, what);\n',
  },
];

/** init.c with the edit made; an anchor that is missing or not unique (another kernel's source) stops the build. */
export function patchInitMemoryPoison(source: string): string {
  return applySourceEdits(source, EDITS, { path: X86_MM_INIT_C, edits: 'the init memory poisoning edit', module: 'src/helper-image/init-memory-poison-patch.ts' });
}
