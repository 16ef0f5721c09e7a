import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UnattendXml } from '../../../src/helper/windows/unattend-xml.ts';

describe('unattend.xml editing', () => {
  it('keeps prefixes, comments and order, and declares wcm where a new command needs it', () => {
    const text = '<u:unattend xmlns:u="urn:schemas-microsoft-com:unattend"><!-- keep --><u:settings pass="specialize"><u:component name="Microsoft-Windows-Deployment" processorArchitecture="AMD64"/></u:settings></u:unattend>';
    const xml = UnattendXml.parse(text, 'the test file');
    xml.addRunSynchronous('amd64', 'Do it', 'C:\\do.cmd');
    const out = xml.toString();
    assert.match(out, /^<u:unattend xmlns:u="urn:schemas-microsoft-com:unattend"><!-- keep --><u:settings pass="specialize"><u:component name="Microsoft-Windows-Deployment" processorArchitecture="AMD64">/);
    assert.match(out, /<u:RunSynchronousCommand xmlns:wcm="http:\/\/schemas.microsoft.com\/WMIConfig\/2002\/State" wcm:action="add">\s*<u:Description>Do it<\/u:Description>\s*<u:Order>1<\/u:Order>\s*<u:Path>C:\\do.cmd<\/u:Path>/);
    assert.deepEqual(UnattendXml.parse(out, 'again').runSynchronousPaths('amd64'), ['C:\\do.cmd']);
  });

  it('escapes setting values', () => {
    const xml = UnattendXml.parse('<unattend xmlns="urn:schemas-microsoft-com:unattend"/>', 'the test file');
    xml.setSetting(xml.component('specialize', 'Microsoft-Windows-Shell-Setup', 'x86'), 'RegisteredOwner', 'A & B <c>');
    assert.match(xml.toString(), /<RegisteredOwner>A &amp; B &lt;c&gt;<\/RegisteredOwner>/);
  });

  it('refuses a document type declaration, which could pull in other files', () => {
    assert.throws(() => UnattendXml.parse('<!DOCTYPE unattend [<!ENTITY x SYSTEM "file:///etc/shadow">]><unattend xmlns="urn:schemas-microsoft-com:unattend">&x;</unattend>', 'the test file'), { name: 'AnswerFileError' });
  });
});
