import type { WindowsTimezone } from './windows-timezones.ts';

/**
 * The default Windows answer files put on the config device when the
 * operator gives none (os_answer_file): they set the time zone, keep the
 * computer name for the helper to choose, skip the EULA and the local-account
 * pages, and turn automatic updates on. The helper adds the password and the
 * product key inside the guest.
 */

const ARCHITECTURES = ['amd64', 'x86'] as const;

/** Windows setup applies a component only when it matches the running architecture: give both. */
function component(name: string, body: string): string {
  return ARCHITECTURES.map(
    (arch) =>
      `        <component name="${name}" processorArchitecture="${arch}" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS" xmlns:wcm="http://schemas.microsoft.com/WMIConfig/2002/State" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n` +
      body +
      '        </component>\n',
  ).join('');
}

function runSynchronous(commands: readonly (readonly [description: string, path: string])[]): string {
  const entries = commands.map(
    ([description, path], i) =>
      '                <RunSynchronousCommand wcm:action="add">\n' +
      `                    <Description>${description}</Description>\n` +
      `                    <Order>${i + 1}</Order>\n` +
      `                    <Path>${path}</Path>\n` +
      '                </RunSynchronousCommand>\n',
  );
  return `            <RunSynchronous>\n${entries.join('')}            </RunSynchronous>\n`;
}

function xmlText(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function defaultUnattendXml(timezone: WindowsTimezone): string {
  const locale = ['InputLocale', 'SystemLocale', 'UILanguage', 'UILanguageFallback', 'UserLocale']
    .map((element) => `            <${element}>en-US</${element}>\n`)
    .join('');
  return (
    '<?xml version="1.0" encoding="utf-8"?>\n' +
    '<unattend xmlns="urn:schemas-microsoft-com:unattend">\n' +
    '    <settings pass="specialize">\n' +
    component(
      'Microsoft-Windows-Shell-Setup',
      '            <DisableAutoDaylightTimeSet>false</DisableAutoDaylightTimeSet>\n' +
        `            <TimeZone>${xmlText(timezone.id)}</TimeZone>\n` +
        '            <ComputerName>*</ComputerName>\n',
    ) +
    component(
      'Microsoft-Windows-Deployment',
      runSynchronous([
        ['Enable automatic updates', 'cmd /C reg add "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Auto Update" /v AUOptions /t REG_DWORD /d 4 /f'],
        ['Skip the local account page', 'cmd /C reg add HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Setup\\OOBE /v UnattendCreatedUser /t REG_DWORD /d 1 /f'],
      ]),
    ) +
    '    </settings>\n' +
    '    <settings pass="oobeSystem">\n' +
    component('Microsoft-Windows-International-Core', locale) +
    component(
      'Microsoft-Windows-Shell-Setup',
      '            <OOBE>\n' +
        '                <HideEULAPage>true</HideEULAPage>\n' +
        '                <ProtectYourPC>1</ProtectYourPC>\n' +
        '                <NetworkLocation>Other</NetworkLocation>\n' +
        '            </OOBE>\n',
    ) +
    '    </settings>\n' +
    '</unattend>\n'
  );
}

/**
 * sysprep.inf of Windows XP and 2003. A zone XP never had gets no TimeZone
 * line, so mini-setup keeps the image's own rather than a wrong one.
 */
export function defaultSysprepInf(timezone: WindowsTimezone): string {
  const timezoneLine = timezone.legacyIndex === undefined ? '' : `    TimeZone=${timezone.legacyIndex}\n`;
  return [
    '[Unattended]\n',
    '    OemSkipEula=Yes\n',
    '\n',
    '[GuiUnattended]\n',
    '    OEMSkipRegional=1\n',
    timezoneLine,
    '    OemSkipWelcome=1\n',
    '\n',
    '[UserData]\n',
    '    FullName=User\n',
    '    ComputerName=*\n',
    '\n',
    '[Identification]\n',
    '    JoinWorkgroup=WORKGROUP\n',
    '\n',
    '[Networking]\n',
    '    InstallDefaultComponents=Yes\n',
  ].join('');
}
