import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatProperties, UnknownImageFormat } from '../../../src/host/image-format/image-format.ts';

describe('image formats', () => {
  it('forces OSFAMILY and ROOT_PARTITION for filesystem dumps only', () => {
    assert.deepEqual(formatProperties('diskdump'), {});
    assert.deepEqual(formatProperties('extdump'), { OSFAMILY: 'linux', ROOT_PARTITION: '1' });
    assert.deepEqual(formatProperties('ntfsdump'), { OSFAMILY: 'windows', ROOT_PARTITION: '1' });
  });

  it('names img_format and the valid values for an unknown format', () => {
    assert.throws(() => formatProperties('vmdk'), (error: Error) => {
      assert.ok(error instanceof UnknownImageFormat);
      assert.equal(error.message, 'img_format "vmdk" is not supported: use diskdump, extdump, ntfsdump, qcow2');
      return true;
    });
  });
});
