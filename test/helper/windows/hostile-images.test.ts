import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import { Secret } from '../../../src/effects/secret.ts';
import { defaultSysprepInf, defaultUnattendXml } from '../../../src/host/config-device/windows-answer-files.ts';
import { resolveWindowsTimezone } from '../../../src/host/config-device/windows-timezones.ts';
import { createWindowsTree, legacyHives, windowsHives, type WindowsImageSpec } from './support/windows-image.ts';
import { configDevice, WindowsRun, type Values } from './support/windows-run.ts';

const zone = resolveWindowsTimezone('GMT Standard Time');
const trees: string[] = [];

after(async () => {
  for (const tree of trees) await rm(tree, { recursive: true, force: true });
});

/** A Windows tree with the default answer files on a config device and the given values. */
async function windowsRun(spec: WindowsImageSpec, values: Values, answerFiles = { unattend: defaultUnattendXml(zone), sysprepInf: defaultSysprepInf(zone) }) {
  const root = await createWindowsTree(spec);
  trees.push(root);
  return { root, runner: new WindowsRun(undefined, { TARGET: root, PROPERTY_OSFAMILY: 'windows', HOSTNAME: 'vm1', ...(await configDevice(answerFiles)), ...values }) };
}

describe('computer names Windows would refuse', () => {
  const cases: [string, RegExp][] = [
    ['a23456789012345x', /has 16 characters, Windows allows 15/],
    ['vm1.example.org', /contains a dot \(a Windows computer name is a single label, not an FQDN\)/],
    ['12345', /Windows rejects names made only of digits/],
    ['web_01', /contains the character "_"/],
    ['wéb', /contains the character "é"/],
  ];
  for (const [name, message] of cases) {
    it(`refuses ${JSON.stringify(name)} and leaves the answer file as it was`, async () => {
      const { root, runner } = await windowsRun({ hives: windowsHives() }, { HOSTNAME: name });
      await runner.task('InstallUnattend');
      const before = await readFile(`${root}/unattend.xml`, 'utf8');
      await assert.rejects(runner.task('AssignHostname'), { name: 'ComputerNameError', message });
      assert.equal(await readFile(`${root}/unattend.xml`, 'utf8'), before);
    });
  }

  it('takes a name of exactly 15 characters (snf-image stopped at 14)', async () => {
    const { root, runner } = await windowsRun({ hives: windowsHives() }, { HOSTNAME: 'abcdefghij-1234' });
    await runner.tasks(['InstallUnattend', 'AssignHostname']);
    assert.match(await readFile(`${root}/unattend.xml`, 'utf8'), /<ComputerName>abcdefghij-1234<\/ComputerName>/);
  });
});

describe('product keys that are not product keys', () => {
  for (const key of ['AAAAA-BBBBB-CCCCC-DDDDD', 'AAAAA-BBBBB-CCCCC-DDDDD-EEEE!', 'AAAAA-BBBBB-CCCCC-DDDDD-EEEEE</ProductKey>', 'AAAAA-BBBBB-CCCCC-DDDDD-EEEEE\n[GuiUnattended]']) {
    it(`refuses ${JSON.stringify(key)} before writing anything, without showing it`, async () => {
      const { root, runner } = await windowsRun({ hives: windowsHives() }, { OS_PRODUCT_KEY: new Secret(key) });
      await assert.rejects(runner.task('InstallUnattend'), (error: Error) => {
        assert.equal(error.name, 'ProductKeyError');
        assert.match(error.message, /XXXXX-XXXXX-XXXXX-XXXXX-XXXXX/);
        assert.ok(!error.message.includes('AAAAA'));
        return true;
      });
      assert.deepEqual(await readdir(root), ['Windows']);
      assert.deepEqual(await readdir(`${root}/Windows`), ['System32']);
    });
  }

  it('refuses one for sysprep.inf too', async () => {
    const { runner } = await windowsRun({ hives: legacyHives() }, { PROPERTY_OSFAMILY: 'windows-legacy', OS_PRODUCT_KEY: new Secret('nope') });
    await assert.rejects(runner.task('InstallUnattend'), { name: 'ProductKeyError' });
  });
});

describe('answer files Windows setup could not read', () => {
  it('names the config device answer file that is not XML (a bad os_answer_file)', async () => {
    const { runner } = await windowsRun({ hives: windowsHives() }, {}, { unattend: '<unattend xmlns="urn:schemas-microsoft-com:unattend"><settings>', sysprepInf: '' });
    await assert.rejects(runner.task('InstallUnattend'), { name: 'AnswerFileError', message: /^the answer file on the config device \(os_answer_file or the default one\) is not well-formed XML/ });
  });

  it('refuses an answer file whose root is not <unattend> in the unattend namespace', async () => {
    const { runner } = await windowsRun({ hives: windowsHives() }, {}, { unattend: '<html><body>404 Not Found</body></html>', sysprepInf: '' });
    await assert.rejects(runner.task('InstallUnattend'), { name: 'AnswerFileError', message: /its root is <html> without a namespace, not <unattend xmlns="urn:schemas-microsoft-com:unattend">/ });
  });

  it("names the image's own answer file when that one is broken", async () => {
    const { runner } = await windowsRun({ hives: windowsHives(), files: { 'Unattend.xml': '<unattend' } }, {});
    await assert.rejects(runner.task('InstallUnattend'), { name: 'AnswerFileError', message: /^the image's Unattend.xml is not well-formed XML/ });
  });

  it('refuses an InstallFilesPath outside C:\\sysprep', async () => {
    for (const path of ['C:\\Windows', 'C:\\sysprep\\..\\Windows', 'D:\\sysprep\\i386']) {
      const { runner } = await windowsRun({ hives: legacyHives() }, { PROPERTY_OSFAMILY: 'windows-legacy' }, { unattend: '', sysprepInf: `[Unattended]\r\nInstallFilesPath=${path}\r\n` });
      await assert.rejects(runner.task('InstallUnattend'), { message: /InstallFilesPath .* which is not inside C:\\sysprep/ });
    }
  });
});

describe('images whose registry lacks what a task needs', () => {
  const cases: [string, WindowsImageSpec['hives'], string, RegExp][] = [
    ['CurrentVersion', { ...windowsHives(), SOFTWARE: { 'Microsoft\\Windows NT\\CurrentVersion': {} } }, 'InstallUnattend', /the SOFTWARE hive has no value CurrentVersion under Microsoft\\Windows NT\\CurrentVersion/],
    ['ImageState', { ...windowsHives(), SOFTWARE: { 'Microsoft\\Windows NT\\CurrentVersion': { CurrentVersion: { string: '10.0' } } } }, 'InstallUnattend', /has no value ImageState under Microsoft\\Windows\\CurrentVersion\\Setup\\State/],
    ['Select\\Current', { ...windowsHives(), SYSTEM: { Select: {} } }, 'InstallUnattend', /the SYSTEM hive has no value Current under Select/],
    ['PROCESSOR_ARCHITECTURE', windowsHives({ system: { 'ControlSet002\\Control\\Session Manager\\Environment': { OS: { string: 'Windows_NT' } } } }), 'InstallUnattend', /has no value PROCESSOR_ARCHITECTURE under ControlSet002\\Control\\Session Manager\\Environment/],
    ['the SAM user names', { ...windowsHives(), SAM: { SAM: {} } }, 'ChangePassword', /the SAM hive has no key SAM\\Domains\\Account\\Users\\Names/],
    ['MiniSetupInProgress', legacyHives({ system: { Setup: { SystemSetupInProgress: { dword: 1 } } } }), 'InstallUnattend', /has no value MiniSetupInProgress under Setup: the image is not sysprepped/],
    ['the SYSTEM hive', { SOFTWARE: windowsHives().SOFTWARE }, 'DisableRemoteDesktopConnections', /The image has no registry hive Windows\/System32\/config\/SYSTEM/],
  ];
  for (const [what, hives, task, message] of cases) {
    it(`fails ${task} naming ${what}`, async () => {
      const legacy = 'Setup' in (hives.SYSTEM ?? {});
      const { runner } = await windowsRun({ hives }, { PASSWD: new Secret('x'), PROPERTY_OSFAMILY: legacy ? 'windows-legacy' : 'windows' });
      if (task === 'ChangePassword') await runner.task('InstallUnattend');
      await assert.rejects(runner.task(task), { message });
    });
  }
});

describe('images in a sysprep state setup cannot deploy', () => {
  const states: [string, RegExp][] = [
    ['IMAGE_STATE_COMPLETE', /the image is not sysprepped: run "sysprep \/generalize \/oobe \/shutdown"/],
    ['IMAGE_STATE_UNDEPLOYABLE', /the image is undeployable/],
    ['IMAGE_STATE_SPECIALIZE_RESEAL_TO_OOBE', /sysprepped without \/generalize/],
    ['IMAGE_STATE_SOMETHING_NEW', /Unknown sysprep ImageState "IMAGE_STATE_SOMETHING_NEW"/],
  ];
  for (const [state, message] of states) {
    it(`refuses ${state}`, async () => {
      const hives = windowsHives({ software: { 'Microsoft\\Windows\\CurrentVersion\\Setup\\State': { ImageState: { string: state } } } });
      const { runner } = await windowsRun({ hives }, {});
      await assert.rejects(runner.task('InstallUnattend'), { name: 'SysprepStateError', message });
    });
  }

  it('accepts an image resealed to audit mode', async () => {
    const hives = windowsHives({ software: { 'Microsoft\\Windows\\CurrentVersion\\Setup\\State': { ImageState: { string: 'IMAGE_STATE_GENERALIZE_RESEAL_TO_AUDIT' } } } });
    const { runner } = await windowsRun({ hives }, {});
    await runner.task('InstallUnattend');
  });

  it('tells the family from the version: NT 5 is windows-legacy, NT 6 is windows', async () => {
    const xp = await windowsRun({ hives: legacyHives() }, {});
    await assert.rejects(xp.runner.task('InstallUnattend'), { message: /Windows NT 5.1 .* use OSFAMILY 'windows-legacy'/ });
    const seven = await windowsRun({ hives: windowsHives() }, { PROPERTY_OSFAMILY: 'windows-legacy' });
    await assert.rejects(seven.runner.task('InstallUnattend'), { message: /Windows NT 6.3 .* use OSFAMILY 'windows'/ });
  });
});

describe('passwords and users', () => {
  it('refuses users the image does not have', async () => {
    const { runner } = await windowsRun({ hives: windowsHives() }, { PASSWD: new Secret('x'), PROPERTY_USERS: 'Administrator Bob' });
    await runner.task('InstallUnattend');
    await assert.rejects(runner.task('ChangePassword'), { message: /User Bob does not exist in the image \(its SAM has Administrator, Guest\)/ });
  });

  it('refuses a password a batch file cannot pass to net user, without showing it', async () => {
    const { root, runner } = await windowsRun({ hives: windowsHives() }, { PASSWD: new Secret('a"b') });
    await runner.task('InstallUnattend');
    await assert.rejects(runner.task('ChangePassword'), (error: Error) => error.name === 'PasswordScriptError' && !error.message.includes('a"b'));
    assert.equal(await readFile(`${root}/Windows/SnfScripts/ChangeAdminPassword.cmd`, 'utf8'), '@echo off\r\n');
  });

  it('refuses img_passwd_hash, which Windows cannot use', async () => {
    const { runner } = await windowsRun({ hives: windowsHives() }, { PASSWD_HASH: new Secret('$6$x$y') });
    await assert.rejects(runner.task('ChangePassword'), { message: /img_passwd_hash cannot be used with Windows images/ });
  });
});

describe('links in the image', () => {
  it('keeps writes inside the guest when a folder is a link to an absolute path or out through ..', async () => {
    // The folder exists in the guest and not on the host: a write that escaped would create it there.
    const outside = `/tmp/snf-image-outside-${process.pid}`;
    const { root, runner } = await windowsRun(
      { hives: windowsHives(), files: { [`${outside}/keep`]: '' }, symlinks: { 'Windows/SnfScripts': outside, 'Windows/Setup': `../../../..${outside}` } },
      {},
    );
    await runner.task('InstallUnattend');
    assert.equal(existsSync(outside), false);
    assert.equal(await readFile(`${root}${outside}/ExtendFilesystem`, 'utf8'), 'exit\r\n');
    assert.match(await readFile(`${root}${outside}/Scripts/SetupComplete.cmd`, 'utf8'), /rmdir "C:\\Windows\\SnfScripts"/);
  });
});
