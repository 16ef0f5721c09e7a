import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  InvalidVariantNameError,
  readVariant,
  UnofficialVariantError,
  VariantConfigMissingError,
  VariantsDirMissingError,
} from '../../../src/host/inputs/variants.ts';
import { memoryFiles } from './memory-files.ts';

const locations = { variantsDir: '/etc/ganeti/snf-image/variants', variantsList: '/etc/ganeti/snf-image/variants.list' };
const DIR = { [locations.variantsDir]: 'directory' } as const;

describe('variants', () => {
  it('reads VARIANTS_DIR/NAME.conf as NAME=value lines', async () => {
    const files = memoryFiles({ '/etc/ganeti/snf-image/variants/windows.conf': 'IMG_FORMAT=ntfsdump\nHELPER_MEMORY=2048\n' }, DIR);
    const layer = await readVariant('windows', locations, files);
    assert.deepEqual(layer.get('IMG_FORMAT'), { name: 'IMG_FORMAT', value: 'ntfsdump', where: '/etc/ganeti/snf-image/variants/windows.conf line 1' });
    assert.equal(layer.get('HELPER_MEMORY')?.value, '2048');
  });

  it('reads nothing when no variant is asked for, even without a variants directory', async () => {
    assert.equal((await readVariant(undefined, locations, memoryFiles())).size, 0);
    assert.equal((await readVariant('', locations, memoryFiles())).size, 0);
  });

  it('accepts the empty default.conf that snf-image installs', async () => {
    const files = memoryFiles({ '/etc/ganeti/snf-image/variants/default.conf': '', [locations.variantsList]: 'default\n' }, DIR);
    assert.equal((await readVariant('default', locations, files)).size, 0);
  });

  it('refuses a variant when the variants directory does not exist', async () => {
    await assert.rejects(readVariant('default', locations, memoryFiles()), (error: unknown) => {
      assert.ok(error instanceof VariantsDirMissingError);
      assert.equal(
        error.message,
        'variant "default" was asked for, but the variants directory /etc/ganeti/snf-image/variants does not exist: create it with a NAME.conf for each variant, or point VARIANTS_DIR in the configuration file at it',
      );
      return true;
    });
  });

  it('says a published variant is missing its configuration file', async () => {
    const files = memoryFiles({ [locations.variantsList]: 'default\nwindows\n' }, DIR);
    await assert.rejects(readVariant('windows', locations, files), (error: unknown) => {
      assert.ok(error instanceof VariantConfigMissingError);
      assert.equal(
        error.message,
        'variant "windows" is published in /etc/ganeti/snf-image/variants.list but its configuration file /etc/ganeti/snf-image/variants/windows.conf is missing: create it (an empty file is enough)',
      );
      return true;
    });
  });

  it('says a variant that is neither listed nor configured is unofficial, naming the published ones', async () => {
    const files = memoryFiles({ [locations.variantsList]: 'default\n\nwindows\n' }, DIR);
    await assert.rejects(readVariant('freebsd', locations, files), (error: unknown) => {
      assert.ok(error instanceof UnofficialVariantError);
      assert.equal(
        error.message,
        'variant "freebsd" is unofficial and not supported: it is not listed in /etc/ganeti/snf-image/variants.list and /etc/ganeti/snf-image/variants/freebsd.conf does not exist (published: default, windows). ' +
          'Use a published variant, or add freebsd to /etc/ganeti/snf-image/variants.list and create /etc/ganeti/snf-image/variants/freebsd.conf',
      );
      return true;
    });
  });

  it('calls every variant unofficial when variants.list is missing', async () => {
    await assert.rejects(readVariant('default', locations, memoryFiles({}, DIR)), (error: unknown) => {
      assert.ok(error instanceof UnofficialVariantError);
      assert.match(error.message, /\(none is published\)/);
      return true;
    });
  });

  it('refuses a variant name that would reach outside the variants directory', async () => {
    const files = memoryFiles({ '/etc/ganeti/snf-image/secret.conf': 'IMG_PASSWD=x\n' }, DIR);
    await assert.rejects(readVariant('../secret', locations, files), (error: unknown) => {
      assert.ok(error instanceof InvalidVariantNameError);
      assert.equal(error.message, `OS_VARIANT "../secret" is not a variant name: use letters, digits, '.', '_', '+' and '-' (not starting with '.')`);
      return true;
    });
  });
});
