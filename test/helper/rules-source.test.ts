import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { EffectEvent } from '../../src/effects/effect.ts';
import type { Processes } from '../../src/effects/processes.ts';
import { realProcesses } from '../../src/effects/real/processes.ts';
import { isSecret } from '../../src/effects/secret.ts';
import { readRules } from '../../src/helper/rules-source.ts';
import { CONFIG_DEVICE_MOUNTPOINT } from '../../src/protocol/rules.ts';

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

describe('rules.json on a config device the helper VM’s init mounted', () => {
  it('is read where the init mounted it, and that mount is handed to the machine to unmount', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'snf-image-rules-dev-'));
    const image = join(dir, 'config.img');
    const content = join(dir, 'content');
    await mkdir(content);
    await writeFile(join(content, 'rules.json'), JSON.stringify({ version: 1, env: { HOSTNAME: 'premounted' }, devices: ['/dev/vdb'] }));
    await realProcesses.run('mke2fs', ['-q', '-F', '-t', 'ext2', '-d', content, image, '1024']);
    const { stdout } = await realProcesses.run('losetup', ['-f', '--show', image]);
    const device = stdout.trim();
    await mkdir(CONFIG_DEVICE_MOUNTPOINT, { recursive: true });
    try {
      await realProcesses.run('mount', ['-o', 'ro', device, CONFIG_DEVICE_MOUNTPOINT]);
      try {
        const events: EffectEvent[] = [];
        const spawned: string[] = [];
        const processes: Processes = { run: async (command, args, options) => (spawned.push(command), realProcesses.run(command, args, options)) };
        const rules = await readRules({ device }, { processes, emit: (e) => events.push(e), signal: new AbortController().signal });
        assert.equal(rules.env.HOSTNAME, 'premounted');
        assert.equal(rules.env.UNATTEND, join(CONFIG_DEVICE_MOUNTPOINT, 'unattend.xml'));
        assert.deepEqual(events, [{ type: 'helper.mounted', mountpoint: CONFIG_DEVICE_MOUNTPOINT }]);
        assert.deepEqual(spawned, [], 'no mount of its own');
      } finally {
        await realProcesses.run('umount', [CONFIG_DEVICE_MOUNTPOINT]);
      }
      // Another device at that place is not the config device: the helper mounts its own.
      const events: EffectEvent[] = [];
      const rules = await readRules({ device }, { processes: realProcesses, emit: (e) => events.push(e), signal: new AbortController().signal });
      assert.equal(rules.env.HOSTNAME, 'premounted');
      const mountpoint = String(events[0]?.mountpoint);
      assert.notEqual(mountpoint, CONFIG_DEVICE_MOUNTPOINT);
      await realProcesses.run('umount', [mountpoint]);
      await rm(mountpoint, { recursive: true });
    } finally {
      await realProcesses.run('losetup', ['-d', device]);
      await rm(dir, { recursive: true, force: true });
    }
  });
});
