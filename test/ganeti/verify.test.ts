import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { runVerify } from '../../src/ganeti/verify.ts';

/** verify as Ganeti runs it: `verify parameters`, with only OS_* and OSP_* set (ganeti-os-calls.md A.1). */
describe('snf-image verify', () => {
  let dir: string;
  let baseEnv: Record<string, string>;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'verify-'));
    const variants = join(dir, 'variants');
    await mkdir(variants);
    await writeFile(join(variants, 'default.conf'), '');
    await writeFile(join(dir, 'variants.list'), 'default\n');
    await writeFile(join(dir, 'snf-image.conf'), `VARIANTS_DIR=${variants}\nVARIANTS_LIST=${join(dir, 'variants.list')}\n`);
    baseEnv = { OS_API_VERSION: '20', OS_NAME: 'snf-image', OS_VARIANT: 'default', DEBUG_LEVEL: '0', SNF_IMAGE_CONFIG_FILE: join(dir, 'snf-image.conf') };
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function verify(osp: Record<string, string>, argv = ['parameters']): Promise<{ rc: number; said: string }> {
    const errors = new PassThrough();
    let said = '';
    errors.on('data', (chunk: Buffer) => (said += chunk.toString()));
    const rc = await runVerify(argv, { ...baseEnv, ...osp }, errors);
    return { rc, said };
  }

  it('accepts good parameters silently', async () => {
    assert.deepEqual(await verify({ OSP_IMG_ID: 'debian', OSP_IMG_FORMAT: 'diskdump', OSP_IMG_PASSWD: 's3cr3t', OSP_IMG_PROPERTIES: '{"OSFAMILY":"linux"}' }), { rc: 0, said: '' });
  });

  it('rejects an unsupported img_format, naming it', async () => {
    const { rc, said } = await verify({ OSP_IMG_ID: 'debian', OSP_IMG_FORMAT: 'qcow' });
    assert.equal(rc, 1);
    assert.equal(said, 'snf-image verify: img_format "qcow" is not supported: use diskdump, extdump, ntfsdump, qcow2\n');
  });

  it('rejects a missing img_id, naming it', async () => {
    const { rc, said } = await verify({ OSP_IMG_FORMAT: 'diskdump' });
    assert.equal(rc, 1);
    assert.match(said, /^snf-image verify: the OS parameter img_id is missing: /);
  });

  it('rejects img_passwd together with img_passwd_hash without showing either', async () => {
    const { rc, said } = await verify({ OSP_IMG_ID: 'debian', OSP_IMG_FORMAT: 'diskdump', OSP_IMG_PASSWD: 'pl41n', OSP_IMG_PASSWD_HASH: '$6$salt$hash' });
    assert.equal(rc, 1);
    assert.match(said, /img_passwd and img_passwd_hash are both set/);
    assert.doesNotMatch(said, /pl41n|\$6\$salt/);
  });

  it('accepts anything else when config_url will supply the parameters', async () => {
    assert.equal((await verify({ OSP_CONFIG_URL: 'http://192.0.2.1/config.json' })).rc, 0);
  });

  it('rejects a bad os_product_key', async () => {
    const { rc, said } = await verify({ OSP_IMG_ID: 'win', OSP_IMG_FORMAT: 'ntfsdump', OSP_OS_PRODUCT_KEY: 'nope' });
    assert.equal(rc, 1);
    assert.match(said, /os_product_key is not a Windows product key/);
  });

  it('refuses to verify anything but parameters', async () => {
    assert.equal((await verify({}, ['disks'])).rc, 2);
    assert.equal((await verify({}, [])).rc, 2);
  });
});
