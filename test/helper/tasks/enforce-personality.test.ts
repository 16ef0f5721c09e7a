import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { Secret } from '../../../src/effects/secret.ts';
import { enforcePersonality } from '../../../src/helper/tasks/enforce-personality.ts';
import { FAMILIES } from './support/family-trees.ts';
import { familyRoot } from './support/family-root.ts';
import { assertGolden } from './support/golden.ts';
import { copyDebianTree, removeScratch } from './support/guest-trees.ts';
import { assertUntouched, outsideVictim } from './support/hostile.ts';
import { runTaskOn } from './support/run-task.ts';

const scratches: string[] = [];
afterEach(async () => Promise.all(scratches.splice(0).map(removeScratch)));

const b64 = (text: string) => Buffer.from(text).toString('base64');
const personality = (files: unknown[]) => ({ PERSONALITY: new Secret(JSON.stringify(files)) });

const FILES = [
  { path: '/etc/motd', contents: b64('Welcome to web1\n'), owner: 'root', group: 'root', mode: 0o644 },
  { path: '/etc/app/conf.d/secret.conf', contents: b64('token=abc\n'), mode: 0o600 },
  { path: '/root/.profile-extra', contents: b64('export EDITOR=vi\n') },
];

describe('EnforcePersonality', () => {
  it('writes the files into a Debian 12 guest with their owner, group and mode', async () => {
    const { root, scratch } = await copyDebianTree();
    scratches.push(scratch);
    const files = [...FILES, { path: '/var/www/index.html', contents: b64('<h1>hi</h1>\n'), owner: 'www-data', group: 'www-data', mode: 0o640 }];
    const run = await runTaskOn(enforcePersonality, root, personality(files));
    await assertGolden('enforce-personality/debian', run.report);
  });

  for (const family of FAMILIES) {
    it(`writes the files into a ${family} guest`, async () => {
      const { root, scratch } = await familyRoot(family);
      scratches.push(scratch);
      const run = await runTaskOn(enforcePersonality, root, personality(FILES));
      await assertGolden(`enforce-personality/${family}`, run.report);
    });
  }

  it('resolves owner and group names against the guest, not the helper', async () => {
    const { root, scratch } = await familyRoot('redhat');
    scratches.push(scratch);
    await runTaskOn(enforcePersonality, root, personality([{ path: '/home/centos/notes', contents: b64('x'), owner: 'centos', group: 'centos', mode: 0o600 }]));
    const stats = await fs.stat(join(root, 'home/centos/notes'));
    assert.deepEqual([stats.uid, stats.gid, stats.mode & 0o7777], [1000, 1000, 0o600]);
    await assert.rejects(
      runTaskOn(enforcePersonality, root, personality([{ path: '/x', contents: '', owner: 'www-data' }])),
      /File owner www-data of \/x does not exist in the guest's \/etc\/passwd/,
    );
  });

  it('stages the files for first boot under cloud-init', async () => {
    const { root, scratch } = await familyRoot('redhat');
    scratches.push(scratch);
    const run = await runTaskOn(enforcePersonality, root, { ...personality([FILES[0], { path: "/etc/it's here", contents: b64('q'), owner: 'centos' }]), PROPERTY_CLOUD_INIT: 'yes' }, (_p, t) => t);
    await assertGolden('enforce-personality/cloud-init', run.report.replace(/snf-image-files-[0-9a-f]{12}/g, 'snf-image-files-<id>').replace(/inject_files-[0-9a-f]{12}/g, 'inject_files-<id>'));
  });

  it('warns when there is no personality', async () => {
    const { root, scratch } = await familyRoot('redhat');
    scratches.push(scratch);
    const run = await runTaskOn(enforcePersonality, root, {});
    assert.deepEqual(run.warnings, ['This image has no personality (0 files to inject)']);
  });

  const BAD: ReadonlyArray<readonly [string, string, RegExp]> = [
    ['not JSON', '[{"path": "/a",', /img_personality is not valid JSON/],
    ['not a list', '{"path": "/a"}', /img_personality must be a JSON list/],
    ['an entry that is not an object', '["/a"]', /img_personality\[0\] must be an object/],
    ['a relative path', '[{"path": "etc/a", "contents": ""}]', /img_personality\[0\]\.path must be an absolute file path/],
    ['a missing path', '[{"contents": ""}]', /img_personality\[0\]\.path/],
    ['contents that are not base64', '[{"path": "/a", "contents": "not base64!"}]', /img_personality\[0\]\.contents must be a base64 string/],
    ['a mode given as a string', '[{"path": "/a", "contents": "", "mode": "0644"}]', /img_personality\[0\]\.mode must be a whole number/],
    ['a mode out of range', '[{"path": "/a", "contents": ""}, {"path": "/b", "contents": "", "mode": 70000}]', /img_personality\[1\]\.mode/],
    ['an owner that is not a name', '[{"path": "/a", "contents": "", "owner": 0}]', /img_personality\[0\]\.owner must be a user or group name/],
    ['a group that is not a name', '[{"path": "/a", "contents": "", "group": "a b"}]', /img_personality\[0\]\.group/],
  ];
  for (const [what, json, message] of BAD) {
    it(`rejects ${what} with an error naming the field`, async () => {
      const { root, scratch } = await familyRoot('redhat');
      scratches.push(scratch);
      await assert.rejects(runTaskOn(enforcePersonality, root, { PERSONALITY: new Secret(json) }), message);
    });
  }

  for (const how of ['absolute', 'climbing'] as const) {
    it(`never writes outside the guest through an ${how} symlink as the target file`, async () => {
      const { root, scratch } = await familyRoot('redhat');
      scratches.push(scratch);
      const victim = await outsideVictim(scratch);
      await fs.symlink(victim[how], join(root, 'etc/motd'));
      await assert.rejects(runTaskOn(enforcePersonality, root, personality([FILES[0]])), /\/etc\/motd: its directory .* does not exist in the guest/);
      await assertUntouched(victim);
    });

    it(`never writes outside the guest through an ${how} symlinked parent directory`, async () => {
      const { root, scratch } = await familyRoot('redhat');
      scratches.push(scratch);
      const victim = await outsideVictim(scratch);
      await fs.symlink(join(victim[how], '..'), join(root, 'etc/app'));
      // As mkdir -p in the guest would, it stops where the link leads nowhere inside the guest.
      await assert.rejects(runTaskOn(enforcePersonality, root, personality([FILES[1]])), /guest path \/etc\/app: its directory .* does not exist in the guest/);
      await assertUntouched(victim);
    });
  }
});
