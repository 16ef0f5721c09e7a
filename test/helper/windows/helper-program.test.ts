import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import { realProcesses } from '../../../src/effects/real/processes.ts';
import { defaultSysprepInf, defaultUnattendXml } from '../../../src/host/config-device/windows-answer-files.ts';
import { resolveWindowsTimezone } from '../../../src/host/config-device/windows-timezones.ts';
import { helperMounts } from '../support/disk-checks.ts';
import { createWindowsDisk, windowsHives, type WindowsDisk } from './support/windows-image.ts';
import { runWindowsHelper } from './support/run-windows-helper.ts';

const zone = resolveWindowsTimezone('W. Europe Standard Time');

describe('the helper program on a Windows disk, whole task table', () => {
  let disk: WindowsDisk | undefined;
  after(async () => {
    await disk?.disks.release();
  });

  it('detects Windows, runs the Windows tasks and the shared ones, and leaves the volume unmounted and consistent', async () => {
    disk = await createWindowsDisk({ hives: windowsHives() });
    const env = { HOSTNAME: 'win-1', PASSWD: 'Pa55-word', OS_PRODUCT_KEY: 'AAAAA-BBBBB-CCCCC-DDDDD-EEEEE', PROPERTIES: JSON.stringify({ OFFLINE_NTFSRESIZE: 'yes' }) };
    const run = await runWindowsHelper(await disk.disks.workdir(), disk.disk, env, { unattend: defaultUnattendXml(zone), sysprepInf: defaultSysprepInf(zone) });
    assert.equal(run.result, 'SUCCESS\n', `${run.stderr}\n${run.monitor.join('\n')}`);
    const ran = run.monitor.filter((line) => line.startsWith('TASK_START:')).map((line) => line.slice('TASK_START:'.length));
    for (const task of ['InstallUnattend', 'FilesystemResizeMounted', 'AssignHostname', 'ChangePassword', 'DisableRemoteDesktopConnections', 'UmountImage', 'FilesystemResizeAfterUmount']) {
      assert.ok(ran.includes(task), `${task} in ${ran.join(', ')}`);
    }
    assert.ok(run.monitor.includes('WARNING: Detected OSFAMILY: windows'));
    assert.ok(run.monitor.includes('WARNING: No USERS property: changing the password of Administrator'));
    assert.ok(!run.monitor.some((line) => line.startsWith('ERROR')), run.monitor.join('\n'));
    // Secrets stay out of the trace and the monitor.
    for (const secret of ['Pa55-word', 'AAAAA-BBBBB']) {
      assert.ok(!run.trace.includes(secret), `${secret} in the trace`);
      assert.ok(!run.monitor.join('\n').includes(secret), `${secret} on the monitor`);
    }
    assert.deepEqual(await helperMounts(), []);

    // Resized offline and marked for chkdsk: Windows checks the grown volume at first boot.
    const info = await realProcesses.run('ntfsresize', ['--info', '--force', '--no-progress-bar', disk.partition]);
    const size = Number(/Current volume size: (\d+) bytes/.exec(info.stdout)![1]);
    const partition = Number((await realProcesses.run('blockdev', ['--getsize64', disk.partition])).stdout.trim());
    assert.ok(size > partition - 1024 * 1024, `${size} of ${partition}`);

    const mountpoint = await disk.disks.mount(disk.partition, 'ro,recover');
    const unattend = await readFile(`${mountpoint}/unattend.xml`, 'utf8');
    assert.match(unattend, /<ComputerName>win-1<\/ComputerName>/);
    assert.match(unattend, /<ProductKey>AAAAA-BBBBB-CCCCC-DDDDD-EEEEE<\/ProductKey>/);
    assert.match(await readFile(`${mountpoint}/Windows/SnfScripts/ChangeAdminPassword.cmd`, 'utf8'), /^net user "Administrator" "Pa55-word" /m);
    const system = `${mountpoint}/Windows/System32/config/SYSTEM`;
    assert.equal((await realProcesses.run('hivexget', [system, 'ControlSet002\\Control\\Terminal Server', 'fDenyTSConnections'])).stdout.trim(), '1');
    await disk.disks.unmount(mountpoint);
  });
});
