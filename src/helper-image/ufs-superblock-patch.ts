import { applySourceEdits, type SourceEdit } from './source-edit.ts';

/** The file the edits change, in the kernel tree. */
export const UFS_SUPER_C = 'fs/ufs/super.c';

/**
 * With ufstype=ufs2 Linux reads the superblock at 64 KiB only (SBLOCK_UFS2).
 * FreeBSD's and NetBSD's kernels also take a UFS2 superblock found at 8 KiB
 * when the superblock itself says it lives there (fs_sblockloc = 8192), which
 * is where makefs ports (Debian's among them) put it whatever the geometry.
 * These edits make the helper kernel's UFS driver do the same: no UFS2 magic at
 * 64 KiB, read 8 KiB; take it only if it is UFS2 and records 8192 as its
 * place, so a UFS1 superblock is never read as UFS2. The superblock is
 * written back where it was read, as before.
 */
const EDITS: readonly SourceEdit[] = [
  {
    // Before any field of the block read at 64 KiB is trusted (the 44bsd format check comes first).
    anchor: '\tusb3 = ubh_get_usb_third(uspi);\n\n\t/* Sort out mod used on SunOS 4.1.3 for fs_state */\n',
    replacement:
      '\tusb3 = ubh_get_usb_third(uspi);\n\n' +
      '\tif ((flags & UFS_TYPE_MASK) == UFS_TYPE_UFS2 && super_block_offset == SBLOCK_UFS2 &&\n' +
      '\t    le32_to_cpu((__force __le32)usb3->fs_magic) != UFS2_MAGIC &&\n' +
      '\t    be32_to_cpu((__force __be32)usb3->fs_magic) != UFS2_MAGIC) {\n' +
      '\t\tubh_brelse_uspi(uspi);\n\t\tubh = NULL;\n\t\tsuper_block_offset = UFS_SBLOCK;\n\t\tgoto again;\n\t}\n\n' +
      '\t/* Sort out mod used on SunOS 4.1.3 for fs_state */\n',
  },
  {
    anchor: '\nmagic_found:\n',
    replacement:
      '\nmagic_found:\n' +
      '\tif ((flags & UFS_TYPE_MASK) == UFS_TYPE_UFS2 && super_block_offset == UFS_SBLOCK &&\n' +
      '\t    (uspi->fs_magic != UFS2_MAGIC || fs64_to_cpu(sb, usb2->fs_un.fs_u2.fs_sblockloc) != UFS_SBLOCK)) {\n' +
      '\t\tif (!silent)\n\t\t\tpr_err("%s(): no UFS2 superblock at 64 KiB, nor one at 8 KiB that says it lives there\\n", __func__);\n' +
      '\t\tgoto failed;\n\t}\n',
  },
];

/** super.c with the edits made; an anchor that is missing or not unique (another kernel's source) stops the build. */
export function patchUfsSuperblockSearch(source: string): string {
  return applySourceEdits(source, EDITS, { path: UFS_SUPER_C, edits: 'the UFS2 superblock search edits', module: 'src/helper-image/ufs-superblock-patch.ts' });
}
