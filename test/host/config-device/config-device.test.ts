import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { realProcesses } from '../../../src/effects/real/processes.ts';
import { Secret } from '../../../src/effects/secret.ts';
import { CONFIG_DEVICE_BYTES, ConfigDeviceTooSmall, createConfigDeviceWriter, InvalidRules, type ConfigDeviceInput } from '../../../src/host/config-device/config-device.ts';
import { prepareHostKeys } from '../../../src/host/config-device/host-keys.ts';
import { UnknownWindowsTimezone } from '../../../src/host/config-device/windows-timezones.ts';

const writeConfigDevice = createConfigDeviceWriter({ processes: realProcesses });
const ctx = { signal: new AbortController().signal, emit: () => {} };

function debugfs(image: string, request: string): string {
  return execFileSync('debugfs', ['-R', request, image], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
}

function stagingDirs(): Promise<string[]> {
  return readdir(tmpdir()).then((names) => names.filter((name) => name.startsWith('snf-image-config-')));
}

describe('config device', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'config-device-test-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const input = (name: string, extra: Partial<ConfigDeviceInput> = {}): ConfigDeviceInput => ({
    path: join(dir, name),
    rules: { version: 1, env: { HOSTNAME: 'vm1.example.org', PASSWD: new Secret('s3cret') }, devices: ['/dev/vdb'], forcedProperties: {} },
    windowsTimezone: 'GMT Standard Time',
    ...extra,
  });

  it('writes rules.json with the secrets revealed, on a 1.44 MB ext2 image only its owner can read', async () => {
    const before = await stagingDirs();
    const { path } = await writeConfigDevice(input('rules.img'), ctx);
    const rules = JSON.parse(debugfs(path, 'cat /rules.json'));
    assert.deepEqual(rules, { version: 1, env: { HOSTNAME: 'vm1.example.org', PASSWD: 's3cret' }, devices: ['/dev/vdb'], forcedProperties: {} });
    const info = await stat(path);
    assert.equal(info.size, CONFIG_DEVICE_BYTES);
    assert.equal(info.mode & 0o777, 0o600);
    assert.match(execFileSync('dumpe2fs', ['-h', path], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }), /Filesystem volume name:\s+snf-image/);
    assert.deepEqual(await stagingDirs(), before, 'the staging directory is removed');
  });

  it('puts default answer files with the time zone by ID and by XP index', async () => {
    const { path } = await writeConfigDevice(input('tz.img', { windowsTimezone: 'u.s. mountain standard time' }), ctx);
    assert.match(debugfs(path, 'cat /unattend.xml'), /<TimeZone>US Mountain Standard Time<\/TimeZone>/);
    assert.match(debugfs(path, 'cat /sysprep.inf'), /^ {4}TimeZone=015$/m);
  });

  it('leaves the XP time zone out of sysprep.inf for a zone XP never had', async () => {
    const { path } = await writeConfigDevice(input('utc.img', { windowsTimezone: 'UTC' }), ctx);
    assert.match(debugfs(path, 'cat /unattend.xml'), /<TimeZone>UTC<\/TimeZone>/);
    assert.doesNotMatch(debugfs(path, 'cat /sysprep.inf'), /TimeZone=/);
  });

  it('carries the SSH host keys the host prepared, the private ones readable by root only', async () => {
    const hostKeys = await prepareHostKeys(realProcesses, 'root@vm1.example.org', ctx.signal);
    assert.deepEqual(Object.keys(hostKeys).sort(), ['ecdsa', 'ed25519', 'rsa']);
    const { path } = await writeConfigDevice(input('keys.img', { hostKeys }), ctx);
    for (const type of ['rsa', 'ecdsa', 'ed25519'] as const) {
      assert.equal(debugfs(path, `cat /host-keys/ssh_host_${type}_key`), hostKeys[type]!.privateKey.reveal());
      assert.match(debugfs(path, `stat /host-keys/ssh_host_${type}_key`), /Mode:\s+0600/);
      assert.equal(debugfs(path, `cat /host-keys/ssh_host_${type}_key.pub`), hostKeys[type]!.publicKey);
      assert.match(hostKeys[type]!.publicKey, / root@vm1\.example\.org\n$/);
    }
    assert.equal(JSON.stringify(hostKeys.rsa), JSON.stringify({ privateKey: '***', publicKey: hostKeys.rsa!.publicKey }), 'private keys print as ***');
  });

  it('uses os_answer_file for unattend.xml and links sysprep.inf to it', async () => {
    const answer = '<unattend>operator</unattend>\n';
    const { path } = await writeConfigDevice(input('answer.img', { answerFile: new Secret(answer) }), ctx);
    assert.equal(debugfs(path, 'cat /unattend.xml'), answer);
    assert.match(debugfs(path, 'stat /sysprep.inf'), /Type: symlink/);
    assert.match(debugfs(path, 'stat /sysprep.inf'), /Fast link dest: "unattend.xml"/);
  });

  it('puts the UNATTEND file as unattend.xml, ahead of os_answer_file, and keeps the default sysprep.inf', async () => {
    const unattend = '<?xml version="1.0"?><unattend xmlns="urn:schemas-microsoft-com:unattend"><!-- UNATTEND --></unattend>\n';
    const alone = await writeConfigDevice(input('unattend.img', { unattendFile: unattend }), ctx);
    assert.equal(debugfs(alone.path, 'cat /unattend.xml'), unattend);
    assert.match(debugfs(alone.path, 'cat /sysprep.inf'), /TimeZone=/);
    const both = await writeConfigDevice(input('unattend-and-answer.img', { unattendFile: unattend, answerFile: 'answer' }), ctx);
    assert.equal(debugfs(both.path, 'cat /unattend.xml'), unattend);
  });

  it('rejects an unknown WINDOWS_TIMEZONE by name', async () => {
    await assert.rejects(writeConfigDevice(input('badtz.img', { windowsTimezone: 'Mars Standard Time' }), ctx), (error: unknown) => {
      assert.ok(error instanceof UnknownWindowsTimezone);
      assert.match(error.message, /WINDOWS_TIMEZONE "Mars Standard Time" is not a Windows time zone/);
      return true;
    });
  });

  it('validates the rules against the schema before writing, without printing values', async () => {
    const rules = { version: 1 as const, env: { 'bad-name': new Secret('hidden') }, devices: [], forcedProperties: {} };
    await assert.rejects(writeConfigDevice(input('invalid.img', { rules }), ctx), (error: unknown) => {
      assert.ok(error instanceof InvalidRules);
      assert.match(error.message, /devices/);
      assert.doesNotMatch(error.message, /hidden/);
      return true;
    });
    await assert.rejects(stat(join(dir, 'invalid.img')), { code: 'ENOENT' });
  });

  it('says so when the contents do not fit, and still removes the staging directory', async () => {
    const before = await stagingDirs();
    const answerFile = 'x'.repeat(CONFIG_DEVICE_BYTES);
    await assert.rejects(writeConfigDevice(input('full.img', { answerFile }), ctx), ConfigDeviceTooSmall);
    assert.deepEqual(await stagingDirs(), before);
  });
});
