import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { isSecret } from '../../../src/effects/secret.ts';
import { loadDeploymentRequest, verifyParameters } from '../../../src/host/inputs/deployment-request.ts';
import type { InputFiles } from '../../../src/host/inputs/input-files.ts';
import { ConflictingPasswordParametersError } from '../../../src/host/inputs/os-parameters.ts';
import { InvalidSettingError, UnattendFileMissingError } from '../../../src/host/inputs/settings.ts';
import { UnofficialVariantError } from '../../../src/host/inputs/variants.ts';
import { InvalidOsParameterError, MissingOsParameterError } from '../../../src/host/inputs/verify-rules.ts';
import { createEnv, DISK_0_PATH, kvmCreateEnv, verifyEnv, withEnv } from './ganeti-fixtures.ts';
import { memoryFiles } from './memory-files.ts';

const CONF = '/test/snf-image.conf';
const VARIANTS = '/etc/ganeti/snf-image/variants';
const DEFAULT_VARIANT = `${VARIANTS}/default.conf`;

/** The node's files: our configuration file, the default variant, the instance's disk. */
function node(config = '', variant = '', extra: Record<string, string> = {}): InputFiles {
  return memoryFiles({ [CONF]: config, [DEFAULT_VARIANT]: variant, ...extra }, { [VARIANTS]: 'directory', [DISK_0_PATH]: 'file' });
}

const env = (base: Record<string, string>, changes: Record<string, string | undefined> = {}) => withEnv(base, { SNF_IMAGE_CONFIG_FILE: CONF, ...changes });

/** A fetch that fails the test if it is ever called. */
const noFetch: typeof globalThis.fetch = async (input) => assert.fail(`unexpected fetch of ${String(input)}`);

describe('deployment request', () => {
  let server: Server;
  let base = '';
  before(async () => {
    server = createServer((request, response) => {
      const answers: Record<string, object> = {
        '/vm.json': { img_id: 'from-url', IMG_PASSWD: 'url-secret', color: 'blue' },
        '/hash.json': { img_passwd_hash: '$6$salt$hash' },
      };
      const answer = answers[request.url ?? ''];
      response.writeHead(answer === undefined ? 404 : 200).end(JSON.stringify(answer ?? {}));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('loads the request of a real gnt-instance add', async () => {
    const request = await loadDeploymentRequest({ env: env(createEnv), files: node(), fetch: noFetch });
    assert.equal(request.instanceName, 'inst1.example');
    assert.equal(request.hypervisor, 'fake');
    assert.equal(request.variant, 'default');
    assert.equal(request.reinstall, false);
    assert.deepEqual(request.disks, [{ index: 0, target: DISK_0_PATH, kind: 'file', sizeMiB: 1024 }]);
    assert.equal(request.diskType, 'paravirtual');
    assert.equal(request.config.HELPER_MACHINE_TYPE, 'microvm');
    assert.equal(request.nics.NIC_0_IP, '10.99.0.10');
    assert.deepEqual(request.image, { id: 'foo', format: 'diskdump' });
    assert.equal(request.parameters.img_properties, '{"OSFAMILY":"linux"}');
    assert.equal(request.parameters.img_passwd?.reveal(), 's3cr3t');
    assert.equal(request.config.HELPER_MEMORY, 512);
    assert.deepEqual(request.warnings, []);
  });

  it('never lets a secret out when the request is logged or serialized', async () => {
    const request = await loadDeploymentRequest({
      env: env(createEnv, { OSP_AUTH_KEYS: 'ssh-ed25519 AAAAkey', OSP_CLOUD_USERDATA: 'dXNlcmRhdGE=' }),
      files: node(),
      fetch: noFetch,
    });
    const shown = JSON.stringify(request) + inspect(request, { depth: 10 });
    for (const secret of ['s3cr3t', 'AAAAkey', 'dXNlcmRhdGE=']) assert.ok(!shown.includes(secret), `${secret} stays hidden`);
    assert.ok(isSecret(request.parameters.auth_keys));
  });

  it('merges OS parameters: configuration, then variant, then OSP_*, then config_url', async () => {
    const config = 'IMG_FORMAT=extdump\nIMG_PROPERTIES=\'{"FROM":"conf"}\'\nINST_PROPERTIES=\'{"FROM":"conf"}\'\nOS_ANSWER_FILE=file:///conf.xml\n';
    const variant = 'IMG_FORMAT=ntfsdump\nINST_PROPERTIES=\'{"FROM":"variant"}\'\nOS_ANSWER_FILE=file:///variant.xml\n';
    const request = await loadDeploymentRequest({
      env: env(createEnv, { OSP_IMG_FORMAT: undefined, OSP_IMG_PASSWD: undefined, OSP_OS_ANSWER_FILE: 'file:///osp.xml', OSP_CONFIG_URL: `${base}/vm.json` }),
      files: node(config, variant),
      fetch: globalThis.fetch,
    });
    assert.equal(request.parameters.img_format, 'ntfsdump', 'the variant overrides the configuration');
    assert.equal(request.parameters.inst_properties, '{"FROM":"variant"}');
    assert.equal(request.parameters.img_properties, '{"OSFAMILY":"linux"}', 'OSP_* overrides the configuration');
    assert.equal(request.parameters.os_answer_file, 'file:///osp.xml', 'OSP_* overrides the variant');
    assert.equal(request.parameters.img_id, 'from-url', 'config_url overrides OSP_*');
    assert.equal(request.parameters.img_passwd?.reveal(), 'url-secret');
    assert.deepEqual(request.image, { id: 'from-url', format: 'ntfsdump' });
    assert.deepEqual(request.warnings, ['The config_url answer has the key "color", which is not an OS parameter; it is ignored.']);
  });

  it('fetches a config_url that the configuration file gives as a default', async () => {
    const request = await loadDeploymentRequest({
      env: env(createEnv, { OSP_IMG_ID: undefined, OSP_IMG_PASSWD: undefined }),
      files: node(`CONFIG_URL=${base}/vm.json\n`),
      fetch: globalThis.fetch,
    });
    assert.equal(request.image.id, 'from-url');
  });

  it('finds the password conflict after config_url is merged', async () => {
    const run = loadDeploymentRequest({ env: env(createEnv, { OSP_CONFIG_URL: `${base}/hash.json` }), files: node(), fetch: globalThis.fetch });
    await assert.rejects(run, (error: unknown) => {
      assert.ok(error instanceof ConflictingPasswordParametersError);
      assert.match(error.message, /^img_passwd and img_passwd_hash \(set in the config_url answer\) are both set;/);
      return true;
    });
  });

  it('lets the variant set the helper settings too', async () => {
    const request = await loadDeploymentRequest({ env: env(createEnv), files: node('HELPER_MEMORY=1024\n', 'HELPER_MEMORY=2048\n'), fetch: noFetch });
    assert.equal(request.config.HELPER_MEMORY, 2048);
  });

  it("gives the helper its own machine type, HELPER_MACHINE_TYPE, whatever the instance's machine_version", async () => {
    const kvm = env(kvmCreateEnv, { INSTANCE_HV_machine_version: 'pc-i440fx-7.2' });
    assert.equal((await loadDeploymentRequest({ env: kvm, files: node(), fetch: noFetch })).config.HELPER_MACHINE_TYPE, 'microvm');
    assert.equal((await loadDeploymentRequest({ env: kvm, files: node('HELPER_MACHINE_TYPE=q35\n'), fetch: noFetch })).config.HELPER_MACHINE_TYPE, 'q35');
    await assert.rejects(loadDeploymentRequest({ env: kvm, files: node('HELPER_MACHINE_TYPE=pc-q35-7.2\n'), fetch: noFetch }), /HELPER_MACHINE_TYPE.*use pc, q35, microvm/);
  });

  it('refuses an image format that would fail later, before any disk is touched', async () => {
    await assert.rejects(loadDeploymentRequest({ env: env(createEnv, { OSP_IMG_FORMAT: 'vmdk' }), files: node(), fetch: noFetch }), InvalidOsParameterError);
  });

  it('refuses a create without img_id', async () => {
    await assert.rejects(
      loadDeploymentRequest({ env: env(createEnv, { OSP_IMG_ID: undefined }), files: node(), fetch: noFetch }),
      (error: unknown) => error instanceof MissingOsParameterError && error.message.startsWith('the OS parameter img_id is missing'),
    );
  });

  it('refuses an invalid DEFAULT_NIC_CONFIG in create and in verify', async () => {
    await assert.rejects(loadDeploymentRequest({ env: env(createEnv), files: node('DEFAULT_NIC_CONFIG=static\n'), fetch: noFetch }), InvalidSettingError);
    await assert.rejects(verifyParameters({ env: env(verifyEnv), files: node('DEFAULT_NIC_CONFIG=static\n') }), InvalidSettingError);
  });

  it('checks the UNATTEND file in create only', async () => {
    const files = node('UNATTEND=/etc/snf-image/unattend.xml\n');
    await assert.rejects(loadDeploymentRequest({ env: env(createEnv), files, fetch: noFetch }), UnattendFileMissingError);
    await verifyParameters({ env: env(verifyEnv), files });
  });

  it('refuses an unofficial variant', async () => {
    await assert.rejects(
      loadDeploymentRequest({ env: env(createEnv, { OS_VARIANT: 'exotic' }), files: node(), fetch: noFetch }),
      UnofficialVariantError,
    );
  });

  it('reads /etc/default/snf-image and /etc/snf-image/snf-image.conf when no file is named', async () => {
    const read: string[] = [];
    const files = node();
    const recording: InputFiles = { ...files, readText: async (path) => (read.push(path), files.readText(path)) };
    await loadDeploymentRequest({ env: withEnv(createEnv, {}), files: recording, fetch: noFetch });
    assert.deepEqual(read.slice(0, 2), ['/etc/default/snf-image', '/etc/snf-image/snf-image.conf']);
  });

  describe('verify', () => {
    it('accepts the parameters of a real gnt-instance add', async () => {
      assert.deepEqual(await verifyParameters({ env: env(verifyEnv), files: node() }), { warnings: [] });
    });

    it('returns the warnings of the configuration', async () => {
      const { warnings } = await verifyParameters({ env: env(verifyEnv), files: node('IMAGE_DEBUG=maybe\n') });
      assert.deepEqual(warnings, [`IMAGE_DEBUG "maybe" (set in ${CONF} line 1) is neither yes nor no; taking it as no.`]);
    });

    it('requires img_id and img_format', async () => {
      await assert.rejects(verifyParameters({ env: env(verifyEnv, { OSP_IMG_FORMAT: undefined }), files: node() }), {
        message: 'the OS parameter img_format is missing: pass its format, one of diskdump, extdump, ntfsdump, qcow2, e.g. -O img_format=diskdump (or give config_url)',
      });
    });

    it('takes img_format from the variant', async () => {
      await verifyParameters({ env: env(verifyEnv, { OSP_IMG_FORMAT: undefined }), files: node('', 'IMG_FORMAT=diskdump\n') });
    });

    it('accepts everything else when config_url is given, without fetching it', async () => {
      const changes = { OSP_IMG_ID: undefined, OSP_IMG_FORMAT: 'vmdk', OSP_CONFIG_URL: 'https://config.example/vm.json' };
      assert.deepEqual(await verifyParameters({ env: env(verifyEnv, changes), files: node() }), { warnings: [] });
    });

    it('catches the img_passwd/img_passwd_hash conflict, which snf-image left to create', async () => {
      await assert.rejects(
        verifyParameters({ env: env(verifyEnv, { OSP_IMG_PASSWD_HASH: '', OSP_CONFIG_URL: 'https://config.example/vm.json' }), files: node() }),
        ConflictingPasswordParametersError,
      );
    });
  });

  describe('contents the helper would find wrong only after the copy', () => {
    const cases: [string, Record<string, string>, RegExp][] = [
      ['img_properties that is not JSON', { OSP_IMG_PROPERTIES: '{"OSFAMILY": linux}' }, /^img_properties is not valid JSON .*: give a JSON object such as \{"OSFAMILY": "linux"\}$/],
      ['inst_properties that is a list', { OSP_INST_PROPERTIES: '["OSFAMILY"]' }, /^inst_properties must be a JSON object such as \{"OSFAMILY": "linux"\}, not an array$/],
      ['img_personality that is not JSON', { OSP_IMG_PERSONALITY: '[{"path": "/a", "contents": "c2VjcmV0' }, /^img_personality is not valid JSON: give a JSON list of/],
      ['img_personality with a relative path', { OSP_IMG_PERSONALITY: '[{"path": "etc/motd", "contents": ""}]' }, /^img_personality\[0\]\.path must be an absolute file path/],
      ['an img_passwd of 512 bytes', { OSP_IMG_PASSWD: 'é'.repeat(256) }, /^img_passwd is 512 bytes long: the guest's crypt accepts at most 511, so nobody could log in with it; use a shorter password$/],
    ];
    for (const [what, changes, message] of cases) {
      it(`refuses ${what} in create and in verify`, async () => {
        await assert.rejects(loadDeploymentRequest({ env: env(createEnv, changes), files: node(), fetch: noFetch }), { message });
        await assert.rejects(verifyParameters({ env: env(verifyEnv, changes), files: node() }), { message });
      });
    }

    it('accepts an img_passwd of 511 bytes', async () => {
      await verifyParameters({ env: env(verifyEnv, { OSP_IMG_PASSWD: 'x'.repeat(511) }), files: node() });
    });

    it('never quotes the secret personality in its error', async () => {
      const changes = { OSP_IMG_PERSONALITY: '[{"path": "/a", "contents": "c2VjcmV0", x' };
      await assert.rejects(verifyParameters({ env: env(verifyEnv, changes), files: node() }), (error: Error) => !error.message.includes('c2VjcmV0'));
    });

    it('refuses an INSTANCE_NAME that is no DNS name, quoting a newline in it', async () => {
      await assert.rejects(loadDeploymentRequest({ env: env(createEnv, { INSTANCE_NAME: 'inst1\nexample' }), files: node(), fetch: noFetch }), {
        message: 'INSTANCE_NAME "inst1\\nexample" is not a valid DNS name, and it becomes the guest\'s hostname: use letters, digits, "-" and "." (at most 253 characters)',
      });
    });
  });
});
