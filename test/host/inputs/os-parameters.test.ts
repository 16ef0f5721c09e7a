import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { describe, it } from 'node:test';
import { isSecret, Secret } from '../../../src/effects/secret.ts';
import { readConfigFiles } from '../../../src/host/inputs/config-file.ts';
import {
  checkPasswordConflict,
  ConflictingPasswordParametersError,
  parametersFromSettings,
  readOsParameterEnv,
  toOsParameters,
} from '../../../src/host/inputs/os-parameters.ts';
import { mergeLayers } from '../../../src/host/inputs/sourced-value.ts';
import { createEnv, withEnv } from './ganeti-fixtures.ts';
import { memoryFiles } from './memory-files.ts';

const FILE = '/etc/snf-image/snf-image.conf';

describe('OS parameters', () => {
  it('reads OSP_* as Ganeti passes them, under the names operators type', () => {
    const parameters = toOsParameters(readOsParameterEnv(createEnv));
    assert.deepEqual(Object.keys(parameters).sort(), ['img_format', 'img_id', 'img_passwd', 'img_properties']);
    assert.equal(parameters.img_id, 'foo');
    assert.equal(parameters.img_format, 'diskdump');
    assert.equal(parameters.img_properties, '{"OSFAMILY":"linux"}');
  });

  it('tells a parameter set to an empty value from one never set', () => {
    const parameters = toOsParameters(readOsParameterEnv(withEnv(createEnv, { OSP_IMG_PASSWD: '', OSP_INST_PROPERTIES: '' })));
    assert.equal(parameters.inst_properties, '');
    assert.ok(parameters.img_passwd !== undefined);
    assert.equal(parameters.img_passwd.reveal(), '');
    assert.equal('auth_keys' in parameters, false);
  });

  it('wraps every secret the moment it is read, so it prints and serializes as ***', () => {
    const env = withEnv(createEnv, {
      OSP_IMG_PASSWD: undefined,
      OSP_IMG_PASSWD_HASH: '$6$salt$hash',
      OSP_AUTH_KEYS: 'ssh-ed25519 AAAA operator',
      OSP_CLOUD_USERDATA: 'I2Nsb3VkLWNvbmZpZw==',
      OSP_IMG_PERSONALITY: '[{"path":"/root/.ssh/authorized_keys","contents":"c3No"}]',
      OSP_OS_PRODUCT_KEY: 'ABCDE-FGHIJ-KLMNO-PQRST-UVWXY',
    });
    const parameters = toOsParameters(readOsParameterEnv(env));
    for (const name of ['img_passwd_hash', 'auth_keys', 'cloud_userdata', 'img_personality', 'os_product_key'] as const) {
      assert.ok(isSecret(parameters[name]), `${name} is a Secret`);
    }
    assert.equal(parameters.img_passwd_hash?.reveal(), '$6$salt$hash');
    const shown = JSON.stringify(parameters) + inspect(parameters);
    for (const secret of ['$6$salt$hash', 'AAAA', 'I2Nsb3Vk', 'c3No', 'ABCDE']) assert.doesNotMatch(shown, new RegExp(secret.replace(/\$/g, '\\$')));
  });

  it('takes defaults from the configuration under upper-case names, wrapping secrets there too', async () => {
    const layer = await readConfigFiles([FILE], memoryFiles({ [FILE]: "IMG_FORMAT=diskdump\nIMG_PASSWD='from file'\nimg_id=lower-case-is-not-it\n" }));
    const parameters = toOsParameters(parametersFromSettings(layer));
    assert.deepEqual(Object.keys(parameters).sort(), ['img_format', 'img_passwd']);
    assert.ok(parameters.img_passwd instanceof Secret);
    assert.equal(parameters.img_passwd.reveal(), 'from file');
  });

  it('refuses img_passwd together with img_passwd_hash', () => {
    const env = withEnv(createEnv, { OSP_IMG_PASSWD_HASH: '$6$salt$hash' });
    assert.throws(() => checkPasswordConflict(readOsParameterEnv(env)), (error: unknown) => {
      assert.ok(error instanceof ConflictingPasswordParametersError);
      assert.equal(
        error.message,
        'img_passwd and img_passwd_hash are both set; give only one of them (img_passwd for a plain password, img_passwd_hash for a crypt(3) hash). A parameter set to an empty value counts as set.',
      );
      assert.doesNotMatch(error.message, /s3cr3t|salt/);
      return true;
    });
  });

  it('refuses the pair even when one of them is empty', () => {
    assert.throws(() => checkPasswordConflict(readOsParameterEnv(withEnv(createEnv, { OSP_IMG_PASSWD_HASH: '' }))), ConflictingPasswordParametersError);
    checkPasswordConflict(readOsParameterEnv(withEnv(createEnv, { OSP_IMG_PASSWD: '' })));
  });

  it('names the file line when the configuration set one of the pair', async () => {
    const layer = await readConfigFiles([FILE], memoryFiles({ [FILE]: '\nIMG_PASSWD_HASH=\n' }));
    const merged = mergeLayers([parametersFromSettings(layer), readOsParameterEnv(createEnv)]);
    assert.throws(() => checkPasswordConflict(merged), {
      message: `img_passwd and IMG_PASSWD_HASH (set in ${FILE} line 2) are both set; give only one of them (img_passwd for a plain password, img_passwd_hash for a crypt(3) hash). A parameter set to an empty value counts as set.`,
    });
  });
});
