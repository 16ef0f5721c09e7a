import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { realProcesses } from '../../../src/effects/real/processes.ts';
import { Secret } from '../../../src/effects/secret.ts';
import { defaultSysprepInf } from '../../../src/host/config-device/windows-answer-files.ts';
import { resolveWindowsTimezone } from '../../../src/host/config-device/windows-timezones.ts';
import { IniFile } from '../../../src/helper/windows/ini-file.ts';
import { createWindowsDisk, legacyHives, type WindowsDisk } from './support/windows-image.ts';
import { configDevice, WindowsRun } from './support/windows-run.ts';

const TASKS = ['MountImage', 'InstallUnattend', 'FilesystemResizeMounted', 'AssignHostname', 'ChangePassword', 'DisableRemoteDesktopConnections'];

describe('Windows XP tasks (windows-legacy) on an NTFS volume', () => {
  let disk: WindowsDisk;
  let runner: WindowsRun;
  let inf: IniFile;
  let cmdLines: string;
  let extend: string;

  before(async () => {
    // The image has no sysprep.inf of its own: the config device's is installed (snf-image failed here).
    disk = await createWindowsDisk({ hives: legacyHives() });
    runner = new WindowsRun(disk, {
      ...(await configDevice({ sysprepInf: defaultSysprepInf(resolveWindowsTimezone('GMT Standard Time')) })),
      HOSTNAME: 'xp-desk',
      PASSWD: new Secret('pass word'),
      OS_PRODUCT_KEY: new Secret('FFFFF-GGGGG-HHHHH-JJJJJ-KKKKK'),
      PROPERTY_OSFAMILY: 'windows-legacy',
    });
    await runner.tasks(TASKS);
    inf = IniFile.parse(await readFile(`${runner.target}/sysprep/sysprep.inf`, 'utf8'));
    cmdLines = await readFile(`${runner.target}/sysprep/i386/$OEM$/CmdLines.txt`, 'utf8');
    extend = await readFile(`${runner.target}/Windows/SnfScripts/ExtendFilesystem`, 'utf8');
  });

  after(async () => {
    if (runner?.values.TARGET) await runner.task('UmountImage').catch(() => undefined);
    await disk?.disks.release();
  });

  it('installs sysprep.inf with the computer name, product key, administrator password and InstallFilesPath', () => {
    assert.equal(inf.get('UserData', 'ComputerName'), 'xp-desk');
    assert.equal(inf.get('UserData', 'ProductKey'), 'FFFFF-GGGGG-HHHHH-JJJJJ-KKKKK');
    assert.equal(inf.get('UserData', 'FullName'), 'User');
    assert.equal(inf.get('GuiUnattended', 'AdminPassword'), 'pass word');
    assert.equal(inf.get('GuiUnattended', 'EncryptedAdminPassword'), 'No');
    assert.equal(inf.get('GuiUnattended', 'TimeZone'), '085');
    assert.equal(inf.get('Unattended', 'InstallFilesPath'), 'C:\\sysprep\\i386');
    assert.equal(inf.get('Unattended', 'OemSkipEula'), 'Yes');
  });

  it('makes mini-setup run the password script and SetupComplete.cmd', () => {
    assert.equal(cmdLines, '[Commands]\r\n"C:\\Windows\\SnfScripts\\ChangeAdminPassword.cmd"\r\n"C:\\Windows\\Setup\\Scripts\\SetupComplete.cmd"\r\n');
  });

  it('leaves growing NTFS to ntfsresize: the diskpart script does nothing', () => {
    assert.equal(extend, 'exit\r\n');
  });

  it('grows NTFS offline after unmounting and leaves it marked for chkdsk', async () => {
    await runner.task('UmountImage');
    delete runner.values.TARGET;
    await runner.task('FilesystemResizeAfterUmount');
    assert.match(runner.warnings.at(-1)!, /marked for checking/);
    const info = await realProcesses.run('ntfsresize', ['--info', '--force', '--no-progress-bar', disk.partition]);
    const size = Number(/Current volume size: (\d+) bytes/.exec(info.stdout)![1]);
    const partition = Number((await realProcesses.run('blockdev', ['--getsize64', disk.partition])).stdout.trim());
    assert.ok(size > partition - 1024 * 1024, `${size} of ${partition}`);
    assert.notEqual((await realProcesses.run('ntfsinfo', ['-m', disk.partition], { allowFailure: true })).exitCode, 0, 'the volume is dirty');
    await assert.rejects(runner.task('FilesystemResizeAfterUmount'), /is dirty/);
  });
});
