import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { patchUfsSuperblockSearch } from '../../src/helper-image/ufs-superblock-patch.ts';

/** The two places of fs/ufs/super.c the edits hold on to, with code around them (the real file is Debian's linux-source, built in `helper build`). */
const READ = '\tusb2 = ubh_get_usb_second(uspi);\n\tusb3 = ubh_get_usb_third(uspi);\n\n\t/* Sort out mod used on SunOS 4.1.3 for fs_state */\n';
const FOUND = '\tgoto failed;\n\nmagic_found:\n\t/*\n';

describe('the UFS2 superblock search edit of the helper kernel', () => {
  it('retries at 8 KiB after the read at 64 KiB, and checks what it found there at magic_found', () => {
    const patched = patchUfsSuperblockSearch(`${READ}\tfirst();\n${FOUND}\tsecond();\n`);
    const retry = patched.indexOf('super_block_offset = UFS_SBLOCK;\n\t\tgoto again;');
    const check = patched.indexOf('fs_u2.fs_sblockloc) != UFS_SBLOCK');
    assert.ok(retry > patched.indexOf('usb3 = ubh_get_usb_third') && retry < patched.indexOf('/* Sort out mod'), patched);
    assert.ok(check > patched.indexOf('magic_found:') && check < patched.indexOf('second();'), patched);
  });

  it('stops the build, naming the file, when the source does not hold the code it edits once', () => {
    assert.throws(() => patchUfsSuperblockSearch('int main(void) { return 0; }\n'), /^KernelBuildFailed: fs\/ufs\/super.c does not hold the code the UFS2 superblock search edits \(not found\)/);
    assert.throws(() => patchUfsSuperblockSearch(`${READ}${READ}${FOUND}`), /\(found twice\)/);
  });
});
