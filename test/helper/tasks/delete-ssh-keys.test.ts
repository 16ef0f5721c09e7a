import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { deleteSshKeys } from '../../../src/helper/tasks/delete-ssh-keys.ts';
import { FAMILIES, FAMILY_TREES } from './support/family-trees.ts';
import { familyRoot } from './support/family-root.ts';
import { assertGolden } from './support/golden.ts';
import { copyDebianTree, removeScratch, scratchDir, writeTree } from './support/guest-trees.ts';
import { runTaskOn } from './support/run-task.ts';

const scratches: string[] = [];
afterEach(async () => Promise.all(scratches.splice(0).map(removeScratch)));

/** Fresh keys are random: the golden keeps their kind and comment. */
function normalizeKeys(_path: string, text: string): string {
  return text
    .replace(/-----BEGIN OPENSSH PRIVATE KEY-----[\s\S]*?-----END OPENSSH PRIVATE KEY-----/g, '<new private key>')
    .replace(/^(\S+) AAAA\S+ /gm, '$1 <new public key> ');
}

function fingerprint(path: string): string {
  return execFileSync('ssh-keygen', ['-l', '-f', path], { encoding: 'utf8' }).trim();
}

describe('DeleteSSHKeys on a Debian 12 guest', () => {
  let root: string;
  before(async () => {
    root = (await copyDebianTree()).root;
  });
  after(async () => removeScratch(join(root, '..')));

  it('replaces the host keys with new ones made by the helper\'s ssh-keygen', async () => {
    const old = fingerprint(join(root, 'etc/ssh/ssh_host_ed25519_key.pub'));
    const run = await runTaskOn(deleteSshKeys, root, { HOSTNAME: 'web1' }, normalizeKeys);
    await assertGolden('delete-ssh-keys/debian', run.report);
    const fresh = fingerprint(join(root, 'etc/ssh/ssh_host_ed25519_key.pub'));
    assert.notEqual(fresh, old);
    // The private key matches its public half.
    const derived = execFileSync('ssh-keygen', ['-y', '-f', join(root, 'etc/ssh/ssh_host_ed25519_key')], { encoding: 'utf8' });
    assert.equal(derived.split(' ')[1], (await fs.readFile(join(root, 'etc/ssh/ssh_host_ed25519_key.pub'), 'utf8')).split(' ')[1]);
  });

  it('puts in the keys the host prepared, one of each type, and makes the rest itself', async () => {
    const prepared = await scratchDir('prepared-host-keys');
    scratches.push(prepared);
    for (const type of ['ed25519', 'ecdsa']) {
      execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', 'root@web1', '-f', join(prepared, `ssh_host_${type}_key`)]);
    }
    await runTaskOn(deleteSshKeys, root, { HOSTNAME: 'web1', HOST_KEYS: prepared }, normalizeKeys);
    for (const type of ['ed25519', 'ecdsa']) {
      assert.equal(
        await fs.readFile(join(root, `etc/ssh/ssh_host_${type}_key`), 'utf8'),
        await fs.readFile(join(prepared, `ssh_host_${type}_key`), 'utf8'),
        `the prepared ${type} key is the guest's`,
      );
      assert.equal((await fs.stat(join(root, `etc/ssh/ssh_host_${type}_key`))).mode & 0o777, 0o600);
    }
    // No RSA key was prepared: the helper made one.
    assert.match(fingerprint(join(root, 'etc/ssh/ssh_host_rsa_key.pub')), /root@web1 \(RSA\)$/);
  });

  it('removes the keys sshd_config names elsewhere and makes them again, of the same type', async () => {
    await fs.mkdir(join(root, 'etc/ssh/keys'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ecdsa', '-N', '', '-C', 'old', '-f', join(root, 'etc/ssh/keys/host-a')]);
    await fs.writeFile(join(root, 'etc/ssh/sshd_config.d/hostkeys.conf'), 'HostKey /etc/ssh/keys/host-a\nHostKey /etc/ssh/ssh_host_ed25519_key\n');
    const run = await runTaskOn(deleteSshKeys, root, { HOSTNAME: 'web1' }, normalizeKeys);
    await assertGolden('delete-ssh-keys/debian-custom-hostkey', run.report);
    assert.match(fingerprint(join(root, 'etc/ssh/keys/host-a.pub')), /\(ECDSA\)$/);
  });
});

describe('DeleteSSHKeys', () => {
  for (const family of FAMILIES) {
    it(`removes the host keys of a ${family} guest`, async () => {
      const { root, scratch } = await familyRoot(family);
      scratches.push(scratch);
      const run = await runTaskOn(deleteSshKeys, root, {});
      await assertGolden(`delete-ssh-keys/family-${family}`, run.report + (run.warnings.length ? `-- warnings\n${run.warnings.join('\n')}\n` : ''));
    });
  }


  it('only removes the keys of a RedHat guest, which makes new ones at boot', async () => {
    const scratch = await scratchDir('sshkeys-redhat');
    scratches.push(scratch);
    const root = join(scratch, 'root');
    await writeTree(root, FAMILY_TREES.redhat);
    const run = await runTaskOn(deleteSshKeys, root, {});
    await assertGolden('delete-ssh-keys/redhat', run.report);
  });

  it('warns when the guest has no sshd_config', async () => {
    const scratch = await scratchDir('sshkeys-coreos');
    scratches.push(scratch);
    const root = join(scratch, 'root');
    await writeTree(root, FAMILY_TREES.coreos);
    const run = await runTaskOn(deleteSshKeys, root, {});
    assert.equal(run.changes.length, 0);
    assert.match(run.warnings.join('\n'), /No \/etc\/ssh\/sshd_config/);
  });

  it('leaves the keys to cloud-init under cloud-init', async () => {
    const scratch = await scratchDir('sshkeys-cloud');
    scratches.push(scratch);
    const root = join(scratch, 'root');
    await writeTree(root, FAMILY_TREES.redhat);
    const run = await runTaskOn(deleteSshKeys, root, { PROPERTY_CLOUD_INIT: 'yes' });
    await assertGolden('delete-ssh-keys/cloud-init', run.report);
  });

  it('removes a host key symlink itself, never what it points to', async () => {
    const scratch = await scratchDir('sshkeys-link');
    scratches.push(scratch);
    const root = join(scratch, 'root');
    await writeTree(root, FAMILY_TREES.redhat);
    const outside = join(scratch, 'outside-key');
    await fs.writeFile(outside, 'untouched\n');
    await fs.symlink(outside, join(root, 'etc/ssh/ssh_host_ecdsa_key'));
    await runTaskOn(deleteSshKeys, root, {});
    assert.equal(await fs.readFile(outside, 'utf8'), 'untouched\n');
  });
});
