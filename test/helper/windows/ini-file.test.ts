import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IniFile } from '../../../src/helper/windows/ini-file.ts';

describe('INI files as Windows reads them', () => {
  const sloppy = '; sysprep.inf\r\n[Unattended]\r\n  OemSkipEula = Yes \r\n\r\n[ UserData ]\r\nFullName="A User"\r\n\r\n[GuiUnattended]\r\nAdminPassword=*\r\n';

  it('matches sections and keys ignoring case and spaces, and unquotes values', () => {
    const ini = IniFile.parse(sloppy);
    assert.equal(ini.get('unattended', 'oemskipeula'), 'Yes');
    assert.equal(ini.get('UserData', 'FullName'), 'A User');
    assert.equal(ini.get('UserData', 'ComputerName'), undefined);
  });

  it('finds a key only in its own section (snf-image matched it in later ones)', () => {
    const ini = IniFile.parse(sloppy);
    assert.equal(ini.get('Unattended', 'AdminPassword'), undefined);
    ini.set('Unattended', 'AdminPassword', 'x');
    assert.equal(ini.get('GuiUnattended', 'AdminPassword'), '*');
    assert.equal(ini.get('Unattended', 'AdminPassword'), 'x');
  });

  it('adds a missing key once, at the end of its section, keeping everything else and the CRLF ends', () => {
    const ini = IniFile.parse(sloppy);
    ini.set('UserData', 'ComputerName', 'vm1');
    assert.equal(ini.toString(), '; sysprep.inf\r\n[Unattended]\r\n  OemSkipEula = Yes \r\n\r\n[ UserData ]\r\nFullName="A User"\r\nComputerName=vm1\r\n\r\n[GuiUnattended]\r\nAdminPassword=*\r\n');
  });

  it('updates a key in place with its own spelling, and drops its duplicates', () => {
    const ini = IniFile.parse('[UserData]\ncomputername=a\n[Other]\nComputerName=keep\n[userdata]\nComputerName=b\n');
    ini.set('UserData', 'ComputerName', 'vm1');
    assert.equal(ini.toString(), '[UserData]\ncomputername=vm1\n[Other]\nComputerName=keep\n[userdata]\n');
  });

  it('appends a missing section', () => {
    const ini = IniFile.parse('[A]\nx=1');
    ini.set('UserData', 'ProductKey', 'K');
    assert.equal(ini.toString(), '[A]\nx=1\n\n[UserData]\nProductKey=K');
    assert.equal(IniFile.parse('').toString(), '');
  });

  it('refuses values that would start a new line', () => {
    assert.throws(() => IniFile.parse('').set('UserData', 'ProductKey', 'K\r\n[GuiUnattended]'), { name: 'IniFileError' });
  });
});
