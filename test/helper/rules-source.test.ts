import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { realProcesses } from '../../src/effects/real/processes.ts';
import { isSecret } from '../../src/effects/secret.ts';
import { readRules } from '../../src/helper/rules-source.ts';

describe('rules.json', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'snf-image-rules-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const deps = { processes: realProcesses, emit: () => {}, signal: new AbortController().signal };
  const write = (rules: unknown) => writeFile(join(dir, 'rules.json'), typeof rules === 'string' ? rules : JSON.stringify(rules));

  it('reads the values, wraps the secrets and names the files beside it', async () => {
    await write({ version: 1, env: { HOSTNAME: 'vm1', PASSWD: 'pw' }, devices: ['/dev/vdb'], forcedProperties: { OSFAMILY: 'linux' } });
    const rules = await readRules({ directory: dir }, deps);
    assert.equal(rules.env.HOSTNAME, 'vm1');
    assert.ok(isSecret(rules.env.PASSWD));
    assert.equal(rules.env.UNATTEND, join(dir, 'unattend.xml'));
    assert.equal(rules.env.SYSPREPINF, join(dir, 'sysprep.inf'));
    assert.deepEqual(rules.devices, ['/dev/vdb']);
    assert.deepEqual(rules.forcedProperties, { OSFAMILY: 'linux' });
    assert.ok(!JSON.stringify(rules).includes('pw'));
  });

  it('takes the disks given to the helper over those in the rules, and a directory given as the rules file', async () => {
    await write({ version: 1, env: {}, devices: ['/dev/vdb'] });
    assert.deepEqual((await readRules({ file: dir }, { ...deps, disks: ['/dev/loop5'] })).devices, ['/dev/loop5']);
  });

  it('says what is wrong with invalid rules', async () => {
    await write('{"version": 1,');
    await assert.rejects(readRules({ directory: dir }, deps), { name: 'RulesError', message: /^rules\.json is not valid JSON \(.+\)$/ });
    await write({ version: 2, env: {}, devices: ['/dev/vdb'] });
    await assert.rejects(readRules({ directory: dir }, deps), { message: /^rules\.json: version: / });
    await assert.rejects(readRules({ file: join(dir, 'missing.json') }, deps), { message: `cannot read ${join(dir, 'missing.json')} (ENOENT): the config device must hold rules.json` });
  });
});
