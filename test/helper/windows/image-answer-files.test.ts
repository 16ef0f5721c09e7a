import assert from 'node:assert/strict';
import { readdir, readFile, rm } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import { Secret } from '../../../src/effects/secret.ts';
import { IniFile } from '../../../src/helper/windows/ini-file.ts';
import { createWindowsTree, legacyHives, windowsHives, type WindowsImageSpec } from './support/windows-image.ts';
import { configDevice, WindowsRun, type Values } from './support/windows-run.ts';

const trees: string[] = [];
after(async () => {
  for (const tree of trees) await rm(tree, { recursive: true, force: true });
});

const CONFIG_UNATTEND = `<?xml version="1.0" encoding="utf-8"?>
<unattend xmlns="urn:schemas-microsoft-com:unattend">
    <settings pass="oobeSystem"/>
</unattend>
`;

/** An image's own answer file: a comment, a command of its own at Order 5 and a local account. */
const IMAGE_UNATTEND = `<?xml version="1.0" encoding="utf-8"?>
<!-- built by the image's maintainer -->
<unattend xmlns="urn:schemas-microsoft-com:unattend" xmlns:wcm="http://schemas.microsoft.com/WMIConfig/2002/State">
    <settings pass="specialize">
        <component name="Microsoft-Windows-Deployment" processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS">
            <RunSynchronous>
                <RunSynchronousCommand wcm:action="add">
                    <Order>5</Order>
                    <Path>cmd /c C:\\Windows\\SnfScripts\\ChangeAdminPassword.cmd</Path>
                </RunSynchronousCommand>
            </RunSynchronous>
        </component>
    </settings>
    <settings pass="oobeSystem">
        <component name="Microsoft-Windows-Shell-Setup" processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS">
            <UserAccounts>
                <LocalAccounts>
                    <LocalAccount wcm:action="add">
                        <Name>operator</Name>
                    </LocalAccount>
                </LocalAccounts>
            </UserAccounts>
        </component>
    </settings>
</unattend>
`;

async function run(spec: WindowsImageSpec, values: Values, unattend = CONFIG_UNATTEND, sysprepInf = '[UserData]\r\nComputerName=*\r\n') {
  const root = await createWindowsTree(spec);
  trees.push(root);
  const runner = new WindowsRun(undefined, { TARGET: root, PROPERTY_OSFAMILY: 'windows', HOSTNAME: 'vm1', ...(await configDevice({ unattend, sysprepInf })), ...values });
  return { root, runner };
}

describe("an image's own answer file", () => {
  it('is used and kept as it was, with only what is missing added', async () => {
    const { root, runner } = await run({ hives: windowsHives(), files: { 'unattend.xml': IMAGE_UNATTEND } }, { PASSWD: new Secret('pw'), PROPERTY_USERS: 'operator' });
    await runner.tasks(['InstallUnattend', 'AssignHostname', 'ChangePassword']);
    assert.deepEqual(runner.warnings, ['Using the unattend.xml file found in the image']);
    const xml = await readFile(`${root}/unattend.xml`, 'utf8');
    assert.match(xml, /^<\?xml version="1.0" encoding="utf-8"\?>\n<!-- built by the image's maintainer -->\n<unattend /);
    // The password script is already run at Order 5; only the resize command is added, after it.
    assert.equal(xml.match(/ChangeAdminPassword\.cmd/g)?.length, 1);
    assert.match(xml, /<Order>5<\/Order>\s*<Path>cmd \/c C:\\Windows\\SnfScripts\\ChangeAdminPassword.cmd<\/Path>\s*<\/RunSynchronousCommand>\s*<RunSynchronousCommand wcm:action="add">\s*<Description>Extend the file system<\/Description>\s*<Order>6<\/Order>/);
    assert.match(xml, /<component name="Microsoft-Windows-Shell-Setup" processorArchitecture="amd64"[^>]*>\s*<ComputerName>vm1<\/ComputerName>/);
    assert.match(await readFile(`${root}/Windows/SnfScripts/ChangeAdminPassword.cmd`, 'utf8'), /^net user "operator" "pw" /m);
  });

  it('is replaced by the config device one under IGNORE_UNATTEND (os_answer_file)', async () => {
    const { root, runner } = await run({ hives: windowsHives(), files: { 'AutoUnattend.xml': IMAGE_UNATTEND } }, { PROPERTY_IGNORE_UNATTEND: 'yes' });
    await runner.task('InstallUnattend');
    assert.deepEqual((await readdir(root)).sort(), ['Windows', 'unattend.xml']);
    const xml = await readFile(`${root}/unattend.xml`, 'utf8');
    assert.ok(!xml.includes('operator'));
    assert.match(xml, /<settings pass="oobeSystem"\/>/);
    assert.equal(xml.match(/<RunSynchronousCommand wcm:action="add">/g)?.length, 2);
  });

  it("keeps an image's sysprep.inf, edits it without duplicating keys, and keeps its CmdLines.txt", async () => {
    const inf = '[Unattended]\r\nInstallFilesPath="C:\\SYSPREP\\I386"\r\n[UserData]\r\ncomputername = old\r\n[GuiUnattended]\r\nAdminPassword=*\r\n[UserData]\r\nComputerName=older\r\n';
    const { root, runner } = await run(
      { hives: legacyHives(), files: { 'sysprep/sysprep.inf': inf, 'sysprep/i386/$OEM$/CmdLines.txt': '[Commands]\r\n"C:\\image.cmd"\r\n' } },
      { PROPERTY_OSFAMILY: 'windows-legacy', HOSTNAME: 'xp1', PASSWD: new Secret('pw') },
    );
    await runner.tasks(['InstallUnattend', 'AssignHostname', 'ChangePassword']);
    const text = await readFile(`${root}/sysprep/sysprep.inf`, 'utf8');
    assert.equal(text, '[Unattended]\r\nInstallFilesPath="C:\\SYSPREP\\I386"\r\n[UserData]\r\ncomputername=xp1\r\n[GuiUnattended]\r\nAdminPassword=*\r\n[UserData]\r\n');
    assert.equal(IniFile.parse(text).get('GuiUnattended', 'AdminPassword'), '*');
    assert.equal(
      await readFile(`${root}/sysprep/i386/$OEM$/CmdLines.txt`, 'utf8'),
      '[Commands]\r\n"C:\\image.cmd"\r\n"C:\\Windows\\SnfScripts\\ChangeAdminPassword.cmd"\r\n"C:\\Windows\\Setup\\Scripts\\SetupComplete.cmd"\r\n',
    );
  });
});
