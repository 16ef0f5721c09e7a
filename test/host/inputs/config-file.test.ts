import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CONFIG_FILE,
  ConfigFileReadError,
  configFilePaths,
  LEGACY_CONFIG_FILE,
  readConfigFiles,
} from '../../../src/host/inputs/config-file.ts';
import type { InputFiles } from '../../../src/host/inputs/input-files.ts';
import { memoryFiles } from './memory-files.ts';

describe('configuration files', () => {
  it('reads /etc/default/snf-image first and /etc/snf-image/snf-image.conf over it', () => {
    assert.deepEqual(configFilePaths({}), ['/etc/default/snf-image', '/etc/snf-image/snf-image.conf']);
  });

  it('reads only the file named by SNF_IMAGE_CONFIG_FILE when it is set', () => {
    assert.deepEqual(configFilePaths({ SNF_IMAGE_CONFIG_FILE: '/tmp/test.conf' }), ['/tmp/test.conf']);
    assert.deepEqual(configFilePaths({ SNF_IMAGE_CONFIG_FILE: '' }), [LEGACY_CONFIG_FILE, CONFIG_FILE]);
  });

  it('lets snf-image.conf win where both files set a value, and keeps what only the legacy file sets', async () => {
    const files = memoryFiles({
      [LEGACY_CONFIG_FILE]: 'HELPER_MEMORY=256\nHELPER_USER=ganeti\n',
      [CONFIG_FILE]: 'HELPER_MEMORY=1024\n',
    });
    const layer = await readConfigFiles(configFilePaths({}), files);
    assert.deepEqual(layer.get('HELPER_MEMORY'), { name: 'HELPER_MEMORY', value: '1024', where: `${CONFIG_FILE} line 1` });
    assert.deepEqual(layer.get('HELPER_USER'), { name: 'HELPER_USER', value: 'ganeti', where: `${LEGACY_CONFIG_FILE} line 2` });
  });

  it('takes missing files as empty', async () => {
    const layer = await readConfigFiles(configFilePaths({}), memoryFiles());
    assert.equal(layer.size, 0);
  });

  it('reports a file it cannot read, naming it', async () => {
    const unreadable: InputFiles = {
      readText: async () => {
        throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
      },
      kind: async () => 'file',
    };
    await assert.rejects(readConfigFiles([CONFIG_FILE], unreadable), (error: unknown) => {
      assert.ok(error instanceof ConfigFileReadError);
      assert.equal(error.message, `cannot read ${CONFIG_FILE}: EACCES: permission denied; check its permissions (it is read as root)`);
      return true;
    });
  });
});
