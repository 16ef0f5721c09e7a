import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { parseConfigFragment, sourcePackage, unmetSettings } from '../../src/helper-image/kernel.ts';
import { recipeFiles } from '../../src/helper-image/recipe.ts';

describe('the helper kernel configuration', () => {
  it('reads the settings of a fragment, without comments and blank lines', () => {
    const settings = parseConfigFragment('# why\nCONFIG_A=y\n\n  CONFIG_B=n\nCONFIG_C="-x"\n');
    assert.deepEqual(settings.map((s) => [s.symbol, s.value]), [['CONFIG_A', 'y'], ['CONFIG_B', 'n'], ['CONFIG_C', '"-x"']]);
  });

  it('refuses a line that is not a setting, quoting it', () => {
    assert.throws(() => parseConfigFragment('CONFIG_A=y\nUFS=y\n'), /^KernelBuildFailed: not a kernel configuration line: "UFS=y"$/);
  });

  it('names each setting the final configuration dropped or turned on against the fragment', () => {
    const fragment = parseConfigFragment('CONFIG_UFS_FS=y\nCONFIG_UFS_FS_WRITE=y\nCONFIG_MODULES=n\nCONFIG_SERIO=n\nCONFIG_LOCALVERSION="-h"\n');
    const config = ['CONFIG_UFS_FS=y', '# CONFIG_UFS_FS_WRITE is not set', 'CONFIG_SERIO=y', '# CONFIG_MODULES is not set', 'CONFIG_LOCALVERSION="-h"', ''].join('\n');
    assert.deepEqual(unmetSettings(fragment, config), ['CONFIG_UFS_FS_WRITE=y', 'CONFIG_SERIO=n']);
    assert.deepEqual(unmetSettings(fragment.slice(0, 1), config), []);
  });

  it('parses the recipe\'s own fragment, which builds every option in', async () => {
    const settings = parseConfigFragment(await readFile(recipeFiles.kernelConfig, 'utf8'));
    assert.ok(settings.some((s) => s.line === 'CONFIG_MODULES=n'), 'no modules: the initrd carries none');
    assert.ok(settings.every((s) => s.value !== 'm'), 'nothing as a module');
  });

  it('takes the source package of the kernel Debian installs', () => {
    assert.equal(sourcePackage({ name: 'linux-image-6.1.0-57-amd64', version: '6.1.192-3' }), 'linux-source-6.1');
    assert.throws(() => sourcePackage({ name: 'linux-image-amd64', version: '1' }), /^KernelBuildFailed: cannot tell the kernel series of linux-image-amd64/);
  });
});
