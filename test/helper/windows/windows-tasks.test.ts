import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { realProcesses } from '../../../src/effects/real/processes.ts';
import { Secret } from '../../../src/effects/secret.ts';
import { defaultUnattendXml } from '../../../src/host/config-device/windows-answer-files.ts';
import { resolveWindowsTimezone } from '../../../src/host/config-device/windows-timezones.ts';
import { ntfsDaemonsUnder } from '../../../src/helper/windows/ntfs-daemons.ts';
import { UNATTEND_NS, WCM_NS } from '../../../src/helper/windows/unattend-xml.ts';
import { createWindowsDisk, windowsHives, type WindowsDisk } from './support/windows-image.ts';
import { configDevice, WindowsRun } from './support/windows-run.ts';
import { helperMounts } from '../support/disk-checks.ts';

const run = (command: string, args: readonly string[]) => realProcesses.run(command, args);
const hivexget = async (hive: string, key: string, name: string) => (await run('hivexget', [hive, key, name])).stdout.trim();

const WINDOWS_TASKS = ['MountImage', 'InstallUnattend', 'FilesystemResizeMounted', 'AssignHostname', 'ChangePassword', 'DisableRemoteDesktopConnections'];
const PASSWORD = 'S3cret&100%|pipe';
const PRODUCT_KEY = 'AAAAA-BBBBB-CCCCC-DDDDD-EEEEE';

function elements(parent: Element, localName: string): Element[] {
  return Array.from(parent.getElementsByTagNameNS(UNATTEND_NS, localName));
}

function component(doc: Element, pass: string, name: string, arch: string): Element {
  const settings = elements(doc, 'settings').find((s) => s.getAttribute('pass') === pass)!;
  return elements(settings, 'component').find((c) => c.getAttribute('name') === name && c.getAttribute('processorArchitecture') === arch)!;
}

const text = (parent: Element, name: string) => elements(parent, name)[0]?.textContent ?? undefined;

describe('Windows tasks on an NTFS volume with real registry hives', () => {
  let disk: WindowsDisk;
  let runner: WindowsRun;
  let files: Record<string, string>;

  before(async () => {
    // The system folders spelled as an old image may have them: the tasks must find them whatever the case.
    disk = await createWindowsDisk({ hives: windowsHives(), windowsDir: 'WINDOWS', system32Dir: 'system32', files: { 'WINDOWS/Setup/Scripts/SetupComplete.cmd': '@echo image setup\r\n' } });
    runner = new WindowsRun(disk, {
      ...(await configDevice({ unattend: defaultUnattendXml(resolveWindowsTimezone('GMT Standard Time')) })),
      HOSTNAME: 'web-01',
      PASSWD: new Secret(PASSWORD),
      OS_PRODUCT_KEY: new Secret(PRODUCT_KEY),
      PROPERTY_OSFAMILY: 'windows',
      PROPERTY_USERS: 'Administrator guest',
    });
    await runner.tasks(WINDOWS_TASKS);
    const read = async (path: string) => (await realProcesses.run('cat', [`${runner.target}/${path}`])).stdout;
    files = {
      unattend: await read('unattend.xml'),
      setupComplete: await read('WINDOWS/Setup/Scripts/SetupComplete.cmd'),
      password: await read('WINDOWS/SnfScripts/ChangeAdminPassword.cmd'),
      extend: await read('WINDOWS/SnfScripts/ExtendFilesystem'),
      system: `${runner.target}/WINDOWS/system32/config/SYSTEM`,
    };
  });

  after(async () => {
    if (runner?.values.TARGET) await runner.task('UmountImage').catch(() => undefined);
    await disk?.disks.release();
  });

  it('writes the answer file: computer name and product key in specialize, the scripts run once each', () => {
    const doc = new DOMParser().parseFromString(files.unattend!, 'text/xml').documentElement!;
    assert.equal(doc.namespaceURI, UNATTEND_NS);
    const shell = component(doc, 'specialize', 'Microsoft-Windows-Shell-Setup', 'amd64');
    assert.equal(text(shell, 'ComputerName'), 'web-01');
    assert.equal(text(shell, 'ProductKey'), PRODUCT_KEY);
    assert.equal(text(shell, 'TimeZone'), 'GMT Standard Time');
    // The x86 component is not the image's architecture and stays as it was.
    assert.equal(text(component(doc, 'specialize', 'Microsoft-Windows-Shell-Setup', 'x86'), 'ComputerName'), '*');
    const commands = elements(component(doc, 'specialize', 'Microsoft-Windows-Deployment', 'amd64'), 'RunSynchronousCommand');
    assert.deepEqual(
      commands.map((c) => [text(c, 'Order'), text(c, 'Path')?.startsWith('cmd /C reg add') ? 'default' : text(c, 'Path'), c.getAttributeNS(WCM_NS, 'action')]),
      [
        ['1', 'default', 'add'],
        ['2', 'default', 'add'],
        ['3', 'C:\\Windows\\SnfScripts\\ChangeAdminPassword.cmd', 'add'],
        ['4', 'diskpart.exe /s C:\\Windows\\SnfScripts\\ExtendFilesystem', 'add'],
      ],
    );
    assert.equal(elements(component(doc, 'oobeSystem', 'Microsoft-Windows-Shell-Setup', 'amd64'), 'HideEULAPage')[0]?.textContent, 'true');
  });

  it('leaves the password only in the script, which scrubs and deletes itself', () => {
    assert.equal(
      files.password,
      [
        '@echo off',
        'net user "Administrator" "S3cret&100%%|pipe" /ACTIVE:YES /EXPIRES:NEVER /PASSWORDREQ:YES',
        'net user "guest" "S3cret&100%%|pipe" /ACTIVE:YES /EXPIRES:NEVER /PASSWORDREQ:YES',
        `(goto) 2>nul & (for /l %%i in (1,1,64) do @echo ${'X'.repeat(64)})>"%~f0" & del /f /q "%~f0"`,
        '',
      ].join('\r\n'),
    );
    assert.ok(!files.unattend!.includes('S3cret'));
    assert.ok(!files.setupComplete!.includes('S3cret'));
    assert.deepEqual(runner.warnings.filter((w) => w.includes('S3cret')), []);
  });

  it('makes diskpart grow the partition the helper grew', () => {
    assert.equal(files.extend, 'select disk 0\r\nselect partition 1\r\nextend filesystem\r\nexit\r\n');
  });

  it('closes Remote Desktop in the registry and reopens it when setup completes', async () => {
    assert.equal(await hivexget(files.system!, 'ControlSet002\\Control\\Terminal Server', 'fDenyTSConnections'), '1');
    assert.equal(await hivexget(files.system!, 'ControlSet002\\Control\\Terminal Server', 'fSingleSessionPerUser'), '1');
    assert.equal(await hivexget(files.system!, 'Select', 'Current'), '2');
  });

  it("appends to the image's SetupComplete.cmd: cleanup, answer file removal and the Remote Desktop setting", () => {
    assert.deepEqual(files.setupComplete!.split('\r\n'), [
      '@echo image setup',
      'if exist "C:\\Windows\\SnfScripts\\ExtendFilesystem" del /f /q "C:\\Windows\\SnfScripts\\ExtendFilesystem"',
      `if exist "C:\\Windows\\SnfScripts\\ChangeAdminPassword.cmd" (for /l %%i in (1,1,64) do @echo ${'X'.repeat(64)})>"C:\\Windows\\SnfScripts\\ChangeAdminPassword.cmd"`,
      'if exist "C:\\Windows\\SnfScripts\\ChangeAdminPassword.cmd" del /f /q "C:\\Windows\\SnfScripts\\ChangeAdminPassword.cmd"',
      'rmdir "C:\\Windows\\SnfScripts"',
      'del /f /q "C:\\unattend.xml"',
      'del /f /q "C:\\Windows\\Panther\\unattend.xml"',
      'reg add "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server" /f /v fDenyTSConnections /t REG_DWORD /d 0',
      '',
    ]);
  });

  it('unmounts cleanly, with no ntfs-3g left, and grows NTFS offline when asked', async () => {
    const daemons = await ntfsDaemonsUnder(runner.target);
    assert.equal(daemons.length, 1);
    await runner.task('UmountImage');
    delete runner.values.TARGET;
    assert.ok(daemons.every((pid) => !existsSync(`/proc/${pid}`)));
    assert.deepEqual(await helperMounts(), []);

    // Windows grows NTFS itself unless OFFLINE_NTFSRESIZE: the filesystem is still the image's size.
    await runner.task('FilesystemResizeAfterUmount');
    assert.match(runner.warnings.at(-1)!, /Not resizing NTFS offline/);
    const before = await ntfsBytes(disk.partition);
    assert.ok(before < 60 * 1024 * 1024, `${before}`);

    runner.values.PROPERTY_OFFLINE_NTFSRESIZE = 'yes';
    runner.values.PROPERTY_OFFLINE_NTFSRESIZE_NOCHECK = 'yes';
    await runner.task('FilesystemResizeAfterUmount');
    const partitionBytes = Number((await run('blockdev', ['--getsize64', disk.partition])).stdout.trim());
    const grown = await ntfsBytes(disk.partition);
    assert.ok(grown > partitionBytes - 1024 * 1024 && grown <= partitionBytes, `${grown} of ${partitionBytes}`);
    // Clean: ntfsinfo refuses a dirty volume.
    assert.equal((await realProcesses.run('ntfsinfo', ['-m', disk.partition], { allowFailure: true })).exitCode, 0);
  });
});

/** The NTFS volume size as ntfsresize --info reports it. */
async function ntfsBytes(device: string): Promise<number> {
  const { stdout } = await realProcesses.run('ntfsresize', ['--info', '--force', '--no-progress-bar', device]);
  return Number(/Current volume size: (\d+) bytes/.exec(stdout)![1]);
}
