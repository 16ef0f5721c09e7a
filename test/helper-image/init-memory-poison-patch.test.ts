import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { patchInitMemoryPoison } from '../../src/helper-image/init-memory-poison-patch.ts';

/** free_init_pages's call as arch/x86/mm/init.c of Linux 6.1 has it, with code around it (the real file is Debian's linux-source, built in `helper build`). */
const FREE = '\t\tset_memory_rw(begin, (end - begin) >> PAGE_SHIFT);\n\n\t\tfree_reserved_area((void *)begin, (void *)end,\n\t\t\t\t   POISON_FREE_INITMEM, what);\n\t}\n';

describe('the init memory poisoning edit of the helper kernel', () => {
  it('frees the init memory without filling it', () => {
    const patched = patchInitMemoryPoison(`before();\n${FREE}after();\n`);
    assert.match(patched, /free_reserved_area\(\(void \*\)begin, \(void \*\)end, -1, what\);\n\t\}\nafter\(\);\n$/);
    assert.ok(!patched.includes('POISON_FREE_INITMEM'), patched);
  });

  it('stops the build, naming the file and the module to review, when the source does not hold the call once', () => {
    assert.throws(() => patchInitMemoryPoison('void free_init_pages(void) {}\n'), /^KernelBuildFailed: arch\/x86\/mm\/init.c does not hold the code the init memory poisoning edit \(not found\): the kernel source changed; review src\/helper-image\/init-memory-poison-patch.ts$/);
    assert.throws(() => patchInitMemoryPoison(`${FREE}${FREE}`), /\(found twice\)/);
  });
});
