import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { oneDiskCreateEnvironment, writeConfigFile } from '../../src/demo/create-environment.ts';
import { realProcesses } from '../../src/effects/real/processes.ts';

const STAND_IN = resolve('test/fixtures/stand-in-qemu.sh');
const CLI = resolve('bin/snf-image.js');
const PASSWORD = `pw-${randomBytes(8).toString('hex')}`;
const KEY = `ssh-ed25519 AAAAC3Nza${randomBytes(12).toString('hex')} operator@example.org`;
const SECRETS = [PASSWORD, KEY.split(' ')[1]!];

/** Every program started (argv and environment), as strace saw each execve: the first is `create` itself. */
function execs(straceLog: string): string[] {
  return straceLog.split('\n').filter((line) => /\bexecve\(/.test(line));
}

/**
 * A real `create`, started as Ganeti starts it (the OS parameters in its
 * environment), under strace: the password and the keys reach no program it
 * starts (ssh-keygen, mke2fs, the qemu stand-in, the progress monitor),
 * neither as an argument nor in the environment, and no log, trace or
 * monitor output shows them.
 */
describe('secrets during a real create', { skip: process.getuid?.() !== 0 ? 'needs root, as create runs' : false }, () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'secrets-test-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('keeps img_passwd and auth_keys out of every child, log, trace and monitor line', async () => {
    await writeFile(join(dir, 'image.img'), randomBytes(1024 * 1024));
    const disk = join(dir, 'disk0');
    await writeFile(disk, '');
    await truncate(disk, 8 * 1024 * 1024);
    for (const sub of ['traces', 'helper']) await mkdir(join(dir, sub));
    const monitor = join(dir, 'monitor.sh');
    await writeFile(monitor, `#!/bin/sh\nenv > ${dir}/monitor-environ\ncat > ${dir}/monitor-output\n`);
    await chmod(monitor, 0o755);
    const configFile = join(dir, 'snf-image.conf');
    await writeConfigFile(configFile, {
      IMAGE_DIR: dir,
      HELPER_DIR: join(dir, 'helper'),
      QEMU: `${STAND_IN} success ${join(dir, 'stand-in')}`,
      HELPER_ACCEL: 'tcg',
      TRACE_DIR: join(dir, 'traces'),
      PROGRESS_MONITOR: monitor,
    });
    const env = {
      PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
      ...oneDiskCreateEnvironment({
        name: 'secrets.example.org',
        disk,
        mac: 'aa:00:00:11:22:33',
        configFile,
        parameters: { OSP_IMG_ID: 'image.img', OSP_IMG_FORMAT: 'diskdump', OSP_IMG_PASSWD: PASSWORD, OSP_AUTH_KEYS: KEY },
      }),
    };
    const straceLog = join(dir, 'strace.log');
    const run = await realProcesses.run('strace', ['-f', '-qq', '-v', '-s', '1000000', '-e', 'trace=execve', '-o', straceLog, process.execPath, CLI, 'create'], {
      env: env as Record<string, string>,
      allowFailure: true,
    });
    assert.equal(run.exitCode, 0, run.stderr);

    const [ours, ...children] = execs(await readFile(straceLog, 'utf8'));
    assert.ok(SECRETS.every((secret) => ours!.includes(secret)), 'create itself was given the secrets, as Ganeti gives them');
    for (const program of ['ssh-keygen', 'mke2fs', STAND_IN, monitor]) {
      assert.ok(children.some((line) => line.includes(`execve("`) && line.includes(program)), `${program} was started, so it was checked`);
    }
    for (const line of children) {
      for (const secret of SECRETS) assert.ok(!line.includes(secret), `a secret reached a child: ${line.slice(0, 200)}`);
    }

    const rules = JSON.parse(await readFile(join(dir, 'stand-in', 'rules.json'), 'utf8'));
    assert.equal(rules.env.PASSWD, PASSWORD, 'the helper gets the password on its config device, the one place it must go');
    const outputs = [run.stdout, run.stderr, await readFile(join(dir, 'monitor-output'), 'utf8'), await readFile(join(dir, 'monitor-environ'), 'utf8')];
    for (const name of await readdir(join(dir, 'stand-in'))) if (name !== 'rules.json') outputs.push(await readFile(join(dir, 'stand-in', name), 'utf8'));
    for (const name of await readdir(join(dir, 'traces'))) outputs.push(await readFile(join(dir, 'traces', name), 'utf8'));
    assert.ok(outputs.length >= 8);
    for (const text of outputs) for (const secret of SECRETS) assert.ok(!text.includes(secret), `a secret in an output: ${text.slice(0, 200)}`);
  });
});
