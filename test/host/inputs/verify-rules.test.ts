import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readOsParameterEnv } from '../../../src/host/inputs/os-parameters.ts';
import {
  checkParameterFormats,
  checkRequiredParameters,
  InvalidOsParameterError,
  MissingOsParameterError,
} from '../../../src/host/inputs/verify-rules.ts';
import { verifyEnv, withEnv } from './ganeti-fixtures.ts';

function parameters(changes: Record<string, string | undefined>) {
  return readOsParameterEnv(withEnv(verifyEnv, changes));
}

function fails(check: () => void, type: new (...args: never[]) => Error, message: string): void {
  assert.throws(check, (error: unknown) => {
    assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
    assert.equal(error.message, message);
    return true;
  });
}

describe('verify rules', () => {
  it('accepts the parameters of a real gnt-instance add', () => {
    checkRequiredParameters(parameters({}));
    checkParameterFormats(parameters({}));
  });

  it('requires img_id, naming the parameter as operators type it', () => {
    fails(
      () => checkRequiredParameters(parameters({ OSP_IMG_ID: undefined })),
      MissingOsParameterError,
      'the OS parameter img_id is missing: pass the image to deploy, e.g. -O img_id=debian-12.diskdump (or give config_url)',
    );
    fails(
      () => checkRequiredParameters(parameters({ OSP_IMG_ID: '' })),
      MissingOsParameterError,
      'the OS parameter img_id is empty: pass the image to deploy, e.g. -O img_id=debian-12.diskdump (or give config_url)',
    );
  });

  it('requires img_format', () => {
    fails(
      () => checkRequiredParameters(parameters({ OSP_IMG_FORMAT: undefined })),
      MissingOsParameterError,
      'the OS parameter img_format is missing: pass its format, one of diskdump, extdump, ntfsdump, qcow2, e.g. -O img_format=diskdump (or give config_url)',
    );
  });

  it('accepts the four image formats and refuses any other', () => {
    for (const format of ['diskdump', 'extdump', 'ntfsdump', 'qcow2']) checkParameterFormats(parameters({ OSP_IMG_FORMAT: format }));
    fails(
      () => checkParameterFormats(parameters({ OSP_IMG_FORMAT: 'vmdk' })),
      InvalidOsParameterError,
      'img_format "vmdk" is not supported: use diskdump, extdump, ntfsdump, qcow2',
    );
    fails(() => checkParameterFormats(parameters({ OSP_IMG_FORMAT: 'diskdump ' })), InvalidOsParameterError, 'img_format "diskdump " is not supported: use diskdump, extdump, ntfsdump, qcow2');
  });

  it('accepts img_checksum as sha256, sha384 or sha512 with a digest of the right length, and refuses anything else', () => {
    checkParameterFormats(parameters({ OSP_IMG_CHECKSUM: `sha256:${'aB'.repeat(32)}` }));
    checkParameterFormats(parameters({ OSP_IMG_CHECKSUM: `sha512:${'0'.repeat(128)}` }));
    for (const bad of [`md5:${'0'.repeat(32)}`, `sha256:${'0'.repeat(63)}`, `sha256:${'g'.repeat(64)}`, '0'.repeat(64)]) {
      assert.throws(
        () => checkParameterFormats(parameters({ OSP_IMG_CHECKSUM: bad })),
        (error: Error) => error instanceof InvalidOsParameterError && error.message.startsWith(`img_checksum "${bad}" is not a checksum: use sha256:, sha384: or sha512:`),
      );
    }
  });

  it('checks the shape of os_product_key without showing it', () => {
    checkParameterFormats(parameters({ OSP_OS_PRODUCT_KEY: 'ABCDE-12345-fghij-67890-KLMNO' }));
    fails(
      () => checkParameterFormats(parameters({ OSP_OS_PRODUCT_KEY: 'ABCDE-12345-FGHIJ-67890' })),
      InvalidOsParameterError,
      'os_product_key is not a Windows product key: use five groups of five letters or digits joined by dashes (XXXXX-XXXXX-XXXXX-XXXXX-XXXXX)',
    );
  });

  it('requires os_answer_file to be a URL of a scheme snf-image fetches', () => {
    for (const url of ['http://x/a.xml', 'https://x/a.xml', 'ftp://x/a.xml', 'ftps://x/a.xml', 'file:///srv/a.xml']) {
      checkParameterFormats(parameters({ OSP_OS_ANSWER_FILE: url }));
    }
    fails(
      () => checkParameterFormats(parameters({ OSP_OS_ANSWER_FILE: '/srv/unattend.xml' })),
      InvalidOsParameterError,
      'os_answer_file "/srv/unattend.xml" is not a URL snf-image can fetch: use an http://, https://, ftp://, ftps:// or file:// URL',
    );
  });

  it('checks optional parameters only when they are set', () => {
    checkParameterFormats(parameters({ OSP_OS_PRODUCT_KEY: undefined, OSP_OS_ANSWER_FILE: undefined }));
    assert.throws(() => checkParameterFormats(parameters({ OSP_OS_PRODUCT_KEY: '' })), InvalidOsParameterError);
  });
});
