import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';

const STAND_IN = resolve('test/fixtures/stand-in-qemu.sh');

/**
 * `snf-image deploy` as a user without Ganeti runs it, on this machine's real
 * tools, with a stand-in for qemu that plays the helper's side and keeps the
 * rules it was given.
 */
describe('snf-image deploy IMAGE DISK', () => {
  let dir: string;
  let image: Buffer;
  const snfImage = (args: string[], env: Record<string, string> = {}) =>
    execa(process.execPath, ['bin/snf-image.js', ...args], { reject: false, env: { SNF_IMAGE_CONFIG_FILE: join(dir, 'snf-image.conf'), SNF_IMAGE_LOG_LEVEL: 'silent', ...env } });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'deploy-test-'));
    image = randomBytes(2 * 1024 * 1024);
    await mkdir(join(dir, 'images'));
    await writeFile(join(dir, 'images', 'guest.img'), image);
    await mkdir(join(dir, 'helper'));
    await writeFile(join(dir, 'snf-image.conf'), `QEMU='${STAND_IN} success ${dir}/stand-in'\nHELPER_DIR=${dir}/helper\nHELPER_ACCEL=tcg\nTRACE_DIR=${dir}/traces\nVARIANTS_DIR=${dir}/variants\n`);
    await writeFile(join(dir, 'password'), 'pa55-word\n');
    await writeFile(join(dir, 'key.pub'), 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHkey user@example\n');
    await writeFile(join(dir, 'motd'), 'hello\n', { mode: 0o640 });
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('copies the image onto the disk, hands the helper every choice given as flags, and prints a JSON summary', async () => {
    const disk = join(dir, 'web-1.img');
    await writeFile(disk, '');
    await truncate(disk, 8 * 1024 * 1024);
    const rulesCopy = join(dir, 'stand-in', 'rules.json');
    const run = await snfImage(
      [
        'deploy', join(dir, 'images', 'guest.img'), disk,
        '--password-file', join(dir, 'password'), '--ssh-key', join(dir, 'key.pub'),
        '--property', 'OSFAMILY=linux', '--property', 'ROOT_PARTITION=1', '--file', `${join(dir, 'motd')}:/etc/motd`, '--json',
      ],
    );
    assert.equal(run.exitCode, 0, run.stderr + run.stdout);
    const report = JSON.parse(run.stdout);
    assert.equal(report.ok, true);
    assert.equal(report.hostname, 'web-1', 'the hostname defaults to the disk file name');
    assert.equal(report.copiedBytes, image.length);
    assert.deepEqual(report.tasks, ['FixPartitionTable']);
    assert.ok((await stat(report.trace)).isFile(), 'the run has a trace, as create does');
    assert.ok((await readFile(disk)).subarray(0, image.length).equals(image), 'the disk starts with the image');

    const rules = JSON.parse(await readFile(rulesCopy, 'utf8'));
    assert.equal(rules.env.HOSTNAME, 'web-1');
    assert.equal(rules.env.PASSWD, 'pa55-word');
    assert.equal(rules.env.AUTH_KEYS, 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHkey user@example');
    assert.deepEqual(JSON.parse(rules.env.PROPERTIES), { OSFAMILY: 'linux', ROOT_PARTITION: '1' });
    assert.deepEqual(JSON.parse(rules.env.PERSONALITY), [{ path: '/etc/motd', contents: Buffer.from('hello\n').toString('base64'), owner: 'root', group: 'root', mode: 0o640 }]);
    assert.doesNotMatch(await readFile(report.trace, 'utf8'), /pa55-word/, 'the password is not in the trace');
  });

  it('fails with exit code 1 and the reason as its last line when the image does not exist', async () => {
    const disk = join(dir, 'broken.img');
    await writeFile(disk, '');
    await truncate(disk, 8 * 1024 * 1024);
    const run = await snfImage(['deploy', join(dir, 'images', 'nothing.img'), disk, '--property', 'OSFAMILY=linux']);
    assert.equal(run.exitCode, 1, run.stderr);
    assert.match(run.stdout.trimEnd().split('\n').at(-1) ?? '', /^ {2}error: .*nothing\.img/);
  });

  it('refuses bad flags with exit code 2 and a sentence, before touching anything', async () => {
    const cases: [string[], RegExp][] = [
      [['deploy', 'only-one'], /deploy takes IMAGE and DISK, 1 argument was given/],
      [['deploy', 'a', 'b', '--property', 'OSFAMILY'], /--property "OSFAMILY" is not KEY=VALUE/],
      [['deploy', 'a', 'b', '--file', 'motd'], /--file "motd" is not SRC:DEST/],
      [['deploy', 'a', 'b', '--password-file', join(dir, 'missing')], /--password-file .*missing: no such file/],
    ];
    for (const [args, message] of cases) {
      const run = await snfImage(args);
      assert.equal(run.exitCode, 2, args.join(' '));
      assert.match(run.stderr, message);
    }
  });
});
