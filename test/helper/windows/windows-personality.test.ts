import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { Secret } from '../../../src/effects/secret.ts';
import { createWindowsDisk, windowsHives, type WindowsDisk } from './support/windows-image.ts';
import { WindowsRun } from './support/windows-run.ts';

const b64 = (text: string) => Buffer.from(text).toString('base64');

/** EnforcePersonality and RunCustomTask on a Windows guest, on a real NTFS volume. */
describe('personality and custom task on a Windows guest', () => {
  let disk: WindowsDisk;
  let runner: WindowsRun;

  before(async () => {
    disk = await createWindowsDisk({ hives: windowsHives(), windowsDir: 'Windows', system32Dir: 'System32', files: { 'Users/Public/motd.txt': 'the image\'s own\r\n' } });
    const personality = [
      { path: '/Users/Public/motd.txt', contents: b64('injected\r\n'), owner: 'root', group: 'root', mode: 0o644 },
      { path: '/ProgramData/Snf/New Folder/config.ini', contents: b64('[snf]\r\n'), owner: 'root', group: 'root', mode: 0o600 },
    ];
    // Run in the helper, with the volume at SNF_IMAGE_TARGET, as snf-image ran it.
    const customTask = '#!/bin/sh\nset -e\necho "custom task for $SNF_IMAGE_HOSTNAME" > "$SNF_IMAGE_TARGET/custom-task.txt"\n';
    runner = new WindowsRun(disk, {
      HOSTNAME: 'win-01',
      PASSWD: new Secret('unused'),
      PERSONALITY: new Secret(JSON.stringify(personality)),
      PROPERTY_OSFAMILY: 'windows',
      PROPERTY_CUSTOM_TASK: b64(customTask),
    });
    await runner.tasks(['MountImage', 'EnforcePersonality', 'RunCustomTask']);
  });

  after(async () => {
    if (runner?.values.TARGET) await runner.task('UmountImage').catch(() => undefined);
    await disk?.disks.release();
  });

  it('writes each file at its path, making the folders, and keeps the file it replaces as .bak.<time>', async () => {
    assert.equal(await readFile(`${runner.target}/Users/Public/motd.txt`, 'utf8'), 'injected\r\n');
    const backups = (await readdir(`${runner.target}/Users/Public`)).filter((name) => name !== 'motd.txt');
    assert.equal(backups.length, 1);
    assert.match(backups[0]!, /^motd\.txt\.bak\.\d{8}\.\d{6}$/);
    assert.equal(await readFile(`${runner.target}/Users/Public/${backups[0]}`, 'utf8'), 'the image\'s own\r\n');
    assert.equal(await readFile(`${runner.target}/ProgramData/Snf/New Folder/config.ini`, 'utf8'), '[snf]\r\n');
    assert.deepEqual(runner.warnings, [], 'owner, group and mode are ignored quietly, as snf-image did');
  });

  it('runs the custom task in the helper with the volume mounted and the task values as SNF_IMAGE_*', async () => {
    assert.equal(await readFile(`${runner.target}/custom-task.txt`, 'utf8'), 'custom task for win-01\n');
  });
});
