import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { execa } from 'execa';
import { commandManPage, configManPage, roffText, subcommandNames } from '../../scripts/man-pages.ts';
import { configFileText } from '../../src/ganeti/config-templates.ts';
import { SETTINGS } from '../../src/host/inputs/settings.ts';

/** The page as man shows it, and groff's warnings (-ww), which must be none. */
async function rendered(page: string): Promise<{ text: string; warnings: string }> {
  const { stdout, stderr } = await execa('groff', ['-man', '-Tutf8', '-ww', '-rLL=120n'], { input: page, env: { LC_ALL: 'C.UTF-8' } });
  return { text: stdout.replace(/.\x08/g, ''), warnings: stderr };
}

describe('man pages', () => {
  const header = { version: '9.9.9', date: '2026-01-02' };

  it('keeps text literal: a leading dot, backslashes and hyphens', async () => {
    assert.equal(roffText('.hidden\n\\n -x'), '\\&.hidden\n\\en \\-x');
    const { text, warnings } = await rendered(configManPage('# .dot first\n# a\\b --flag\n#NAME=1\n', [], header));
    assert.equal(warnings, '');
    assert.match(text, /\.dot first/);
    assert.match(text, /a\\b --flag/);
  });

  it('lists the subcommands that the overview lists, each with its help', async () => {
    const overview = 'usage: snf-image SUBCOMMAND\n\nSubcommands:\n  create      deploy\n  install-os  install\n\nRun it.\n';
    assert.deepEqual(subcommandNames(overview), ['create', 'install-os']);
    const { text, warnings } = await rendered(commandManPage({ overview, subcommands: [{ name: 'create', help: 'usage: snf-image create\n' }, { name: 'install-os', help: 'usage: snf-image install-os [--dir DIR]\n' }] }, header));
    assert.equal(warnings, '');
    assert.match(text, /SUBCOMMANDS\n\s+create\n\s+usage: snf-image create/);
    assert.match(text, /usage: snf-image install-os \[--dir DIR\]/);
  });

  it('describes the configuration file from its template and gives every setting its default', async () => {
    const settings = Object.entries(SETTINGS).map(([name, s]) => ({ name, default: s.default }));
    const { text, warnings } = await rendered(configManPage(configFileText(), settings, header));
    assert.equal(warnings, '');
    assert.match(text, /NO_PROXY lists the hosts reached directly/);
    assert.match(text, /^\s+HTTPS_PROXY=$/m, 'the template\'s settings show as written');
    // A tag shorter than the indent shares its line with the default.
    for (const { name } of settings) assert.match(text, new RegExp(`^\\s+${name}(\\n|\\s+\\S)`, 'm'), `${name} has an entry`);
    assert.match(text, /HELPER_SOFT_TIMEOUT\n\s+120/);
  });
});
