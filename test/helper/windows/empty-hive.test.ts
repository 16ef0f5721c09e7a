import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { realProcesses } from '../../../src/effects/real/processes.ts';
import { baseBlockChecksum, emptyHive, writeEmptyHive } from '../../../src/helper/windows/empty-hive.ts';
import { Hive } from '../../../src/helper/windows/registry.ts';

describe('an empty registry hive made from scratch', () => {
  let dir: string;
  let path: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'snf-image-hive-test-'));
    path = join(dir, 'SOFTWARE');
    await writeEmptyHive(path);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('is a regf base block with a valid checksum and one 4 KiB hbin', () => {
    const hive = emptyHive();
    assert.equal(hive.length, 8192);
    assert.equal(hive.toString('latin1', 0, 4), 'regf');
    assert.equal(hive.readUInt32LE(0x1fc), baseBlockChecksum(hive));
    assert.equal(hive.toString('latin1', 0x1000, 0x1004), 'hbin');
  });

  it('is read by hivexml with an empty root key', async () => {
    // hivexml writes to /dev/stdout, which must be a pipe or a file, not a socket.
    const { stdout } = await realProcesses.run('sh', ['-c', 'hivexml "$0" | cat', path]);
    assert.match(stdout, /<node name="ROOT" root="1">/);
  });

  it('takes keys and values with hivexregedit --merge, which keeps the values already there', async () => {
    const hive = new Hive(realProcesses, path, 'the test hive');
    await hive.setValues('Microsoft\\Windows NT\\CurrentVersion', { CurrentVersion: { string: '6.1' }, Build: { dword: 7601 } });
    await hive.setValues('Microsoft\\Windows NT\\CurrentVersion', { 'Name "quoted" \\ back': { string: 'Ünïcode' } });
    assert.equal((await realProcesses.run('hivexget', [path, 'Microsoft\\Windows NT\\CurrentVersion', 'CurrentVersion'])).stdout, '6.1\n');
    assert.equal(await hive.value('microsoft\\windows nt\\currentversion', 'Build'), '7601');
    assert.equal(await hive.value('Microsoft\\Windows NT\\CurrentVersion', 'Name "quoted" \\ back'), 'Ünïcode');
    assert.deepEqual(await hive.subkeys('Microsoft'), ['Windows NT']);
    assert.equal(await hive.value('Microsoft\\Windows NT\\CurrentVersion', 'Missing'), undefined);
    assert.equal(await hive.value('Microsoft\\Nothing', 'Missing'), undefined);
    assert.equal(await hive.subkeys('Nothing'), undefined);
  });

  it('refuses a hive file that is not one, naming it', async () => {
    const hive = new Hive(realProcesses, join(dir, 'missing'), 'the SAM hive');
    await assert.rejects(hive.value('SAM', 'x'), { name: 'RegistryError', message: /cannot read the SAM hive/ });
  });
});
