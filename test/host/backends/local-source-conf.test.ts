import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { localSourceImageDir } from '../../../src/host/backends/local-source-conf.ts';
import { InvalidSettingError } from '../../../src/host/inputs/settings.ts';
import { memoryFiles } from '../inputs/memory-files.ts';

const CONF = '/etc/snf-image/backends/src/local.conf';
const imageDir = async (text: string | undefined, warnings: string[] = []) =>
  localSourceImageDir('/var/lib/snf-image', '/etc/snf-image/backends', memoryFiles(text === undefined ? {} : { [CONF]: text }), warnings);

describe("the local back-end's own configuration file", () => {
  it("takes IMAGE_DIR from src/local.conf over the main configuration's", async () => {
    assert.equal(await imageDir('IMAGE_DIR=/srv/images\n'), '/srv/images');
  });

  it("keeps the main configuration's IMAGE_DIR without the file, or with an empty IMAGE_DIR in it", async () => {
    assert.equal(await imageDir(undefined), '/var/lib/snf-image');
    assert.equal(await imageDir('IMAGE_DIR=\n'), '/var/lib/snf-image');
  });

  it("accepts snf-image's DD, refuses another one with a sentence, and warns about names it does not know", async () => {
    const warnings: string[] = [];
    assert.equal(await imageDir('DD=dd\nIMAGE_DIRS=/srv\n', warnings), '/var/lib/snf-image');
    assert.deepEqual(warnings, [`IMAGE_DIRS (set in ${CONF} line 2) is not a setting of the local back-end; it is ignored. Check its spelling.`]);
    await assert.rejects(imageDir('DD="dd bs=4M"\n'), (error: unknown) => {
      assert.ok(error instanceof InvalidSettingError);
      assert.equal(error.message, `DD "dd bs=4M" (set in ${CONF} line 1) cannot take effect: snf-image copies the image itself. Remove it.`);
      return true;
    });
  });
});
