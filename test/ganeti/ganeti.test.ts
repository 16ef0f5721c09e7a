import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PARAMETER_DESCRIPTIONS } from '../../src/ganeti/parameters.ts';
import { ADDRESSES, addInstance, diskPath, initCluster, removeInstance, sha256Of } from './support/ganeti-cluster.ts';
import { GanetiNamespace } from './support/ganeti-namespace.ts';
import { ensureGanetiInstalled } from './support/ganeti-packages.ts';
import { findDeployableImage } from './support/deployable-image.ts';
import { docCommand, docCommands } from './support/doc-commands.ts';
import { captureHostState, type HostState } from './support/host-state.ts';
import { installSnfImage } from './support/install-snf-image.ts';
import { holdHostLock } from './support/host-lock.ts';

/**
 * snf-image as a real Ganeti 3.0.2 node runs it: the OS definition written by
 * `snf-image install-os`, called by gnt-os, gnt-instance and gnt-backup.
 * The node lives in its own namespaces (support/namespace-init.sh), so the
 * host keeps its name, files, addresses and daemons; the last check proves it.
 */
const PASSWORD = 'Gan3ti-test-pa55word';
/** The README's password, which the logs must not show either. */
const README_PASSWORD = 'Fr3sh-pa55word';
const STACK_FRAME = /^\s+at .+:\d+:\d+\)?$/m;
/** What the documented commands name: their instance, its address for Ganeti's name check, and the password they set. */
const DOC_INSTANCE = 'inst1.example.org';
const DOC_INSTANCE_IP = '198.51.100.10';
const DOC_REINSTALL_PASSWORD = 'N3w-pa55word';

describe('snf-image on a single-node Ganeti 3.0.2 cluster', { timeout: 1_800_000 }, () => {
  let ns: GanetiNamespace;
  let hostBefore: HostState;
  let releaseHostLock: (() => Promise<void>) | undefined;

  before(async () => {
    releaseHostLock = await holdHostLock();
    await ensureGanetiInstalled();
    hostBefore = await captureHostState();
    ns = await GanetiNamespace.start(ADDRESSES);
    await initCluster(ns);
    await installSnfImage(ns);
  });

  after(async () => {
    try {
      await ns?.close();
      if (hostBefore !== undefined) assert.deepEqual(await captureHostState(), hostBefore, 'the host is left as the test found it');
    } finally {
      await releaseHostLock?.();
    }
  });

  it('gnt-os diagnose reports the OS definition valid', async () => {
    const { stdout } = await ns.must(['gnt-os', 'diagnose']);
    assert.match(stdout, /OS: snf-image \[global status: valid\]/);
    assert.match(stdout, /\[API versions: 20\] \[variants: default\]/);
  });

  it('gnt-os info lists every parameter with its description', async () => {
    const { stdout } = await ns.must(['gnt-os', 'info', 'snf-image']);
    for (const [name, description] of Object.entries(PARAMETER_DESCRIPTIONS)) {
      assert.ok(stdout.includes(`- ${name}: ${description}`), `gnt-os info shows ${name}:\n${stdout}`);
    }
  });

  it('rejects an unsupported img_format with verify naming the parameter, before creating anything', async () => {
    const result = await addInstance(ns, { name: 'bad-format.example', sizeMiB: 64, parameters: { img_id: 'debian', img_format: 'qcow' } });
    assert.notEqual(result.exitCode, 0);
    assert.match(result.all, /OS validation script failed \(exited with exit code 1\), output: snf-image verify: img_format "qcow" is not supported/);
    const { stdout } = await ns.must(['gnt-instance', 'list', '--no-headers', '-o', 'name']);
    assert.doesNotMatch(stdout, /bad-format/);
  });

  it('rejects a missing img_id with verify naming the parameter', async () => {
    const result = await addInstance(ns, { name: 'no-image.example', sizeMiB: 64, parameters: { img_format: 'diskdump' } });
    assert.notEqual(result.exitCode, 0);
    assert.match(result.all, /snf-image verify: the OS parameter img_id is missing/);
  });

  it('exports a disk with gnt-backup export and imports it byte for byte with gnt-backup import', async () => {
    const added = await addInstance(ns, {
      name: 'source.example',
      sizeMiB: 64,
      noInstall: true,
      parameters: { img_id: 'debian', img_format: 'diskdump' },
      privateParameters: { img_passwd: PASSWORD },
    });
    assert.equal(added.exitCode, 0, added.all);
    const sourceDisk = await diskPath(ns, 'source.example');
    // Data at both ends, so a stream cut short or shifted cannot match.
    await ns.sh(`head -c 8M /dev/urandom | dd of=${sourceDisk} bs=1M conv=notrunc status=none
      head -c 1M /dev/urandom | dd of=${sourceDisk} bs=1M seek=63 conv=notrunc status=none`);
    const sourceSum = await sha256Of(ns, sourceDisk);

    const exported = await ns.run(['gnt-backup', 'export', '-n', ADDRESSES.nodeName, 'source.example']);
    assert.equal(exported.exitCode, 0, exported.all);
    const { stdout: dump } = await ns.sh(
      `sed -n 's/^disk0_dump = //p' /var/lib/ganeti/export/source.example/config.ini`,
    );
    assert.equal(await sha256Of(ns, `/var/lib/ganeti/export/source.example/${dump.trim()}`), sourceSum, 'the export holds the disk');

    const imported = await ns.run([
      'gnt-backup', 'import', '-t', 'file', '-n', ADDRESSES.nodeName,
      '--src-node', ADDRESSES.nodeName, '--src-dir', '/var/lib/ganeti/export/source.example',
      '--no-ip-check', '--no-name-check', '--no-nics', 'copy.example',
    ]);
    // Ganeti reports a failed import script only as a warning, with exit code 0.
    assert.equal(imported.exitCode, 0, imported.all);
    assert.doesNotMatch(imported.all, /not imported successfully|failed/i);
    assert.equal(await sha256Of(ns, await diskPath(ns, 'copy.example')), sourceSum, 'the imported disk equals the exported one');

    const { stdout: logs } = await ns.sh('cat /var/log/ganeti/os/export-snf-image+default-source.example-disk0-*.log /var/log/ganeti/os/import-snf-image+default-copy.example-disk0-*.log');
    assert.match(logs, /exported 67108864 bytes/);
    assert.match(logs, /imported 67108864 bytes, the whole disk/);
    const { stdout: renameLog } = await ns.sh('cat /var/log/ganeti/os/rename-snf-image+default-source.example-copy.example-*.log');
    assert.match(renameLog, /renamed from source.example to copy.example/);

    await removeInstance(ns, 'copy.example');
    await removeInstance(ns, 'source.example');
  });

  it('reports a create that fails with its reason among the last lines Ganeti shows, leaving nothing running or mounted', async () => {
    const mountsBefore = await ns.must(['findmnt', '--list', '--noheadings', '-o', 'TARGET']);
    const result = await addInstance(ns, {
      name: 'broken.example',
      sizeMiB: 64,
      parameters: { img_id: 'no-such-image.diskdump', img_format: 'diskdump' },
      privateParameters: { img_passwd: PASSWORD },
    });
    assert.notEqual(result.exitCode, 0);
    const [, tail = ''] = result.all.split(/OS create script failed \(exited with exit code \d+\), last lines in the log file:/);
    assert.ok(tail !== '', `Ganeti reports the create script's failure:\n${result.all}`);
    assert.match(tail, /no-such-image\.diskdump/, 'the last 20 lines name the image that was not found');
    assert.doesNotMatch(tail, STACK_FRAME, 'the reason is a message, not a stack trace');
    const { stdout: osLog } = await ns.sh('cat /var/log/ganeti/os/add-snf-image+default-broken.example-*.log');
    assert.match(osLog.trimEnd().split('\n').at(-1) ?? '', /no-such-image\.diskdump/, `the last line of the OS log is the reason:\n${osLog}`);

    const { stdout: processes } = await ns.must(['ps', '-e', '-o', 'comm=']);
    assert.doesNotMatch(processes, /qemu|^node$/m, 'no helper VM or snf-image process is left');
    assert.equal((await ns.must(['findmnt', '--list', '--noheadings', '-o', 'TARGET'])).stdout, mountsBefore.stdout, 'no mount is left');
    const disk = await diskPath(ns, 'broken.example');
    assert.equal((await ns.must(['losetup', '-j', disk])).stdout.trim(), '', 'no loop device is left on the disk');
    await removeInstance(ns, 'broken.example');
  });

  it('deploys a Debian image with the README\'s gnt-instance add, then reinstalls it as docs/ganeti.md says', async () => {
    const image = await findDeployableImage();
    const commands = await docCommands('README.md', 'docs/ganeti.md');
    // What the documents take as given: debian12.img in IMAGE_DIR, and the
    // instance's name in the resolver for Ganeti's name check. The image is
    // bind-mounted read-only in the namespace, so the cached fixture is never written.
    await ns.sh(`mkdir -p /srv/images && touch /srv/images/debian12.img
      mount --bind ${image.imageDir}/${image.imageId} /srv/images/debian12.img
      mount -o remount,bind,ro /srv/images/debian12.img
      echo '${DOC_INSTANCE_IP} ${DOC_INSTANCE}' >> /etc/hosts
      cat >> /etc/snf-image/snf-image.conf <<'EOF'
IMAGE_DIR=/srv/images
HELPER_DIR=${image.helperDir}
HELPER_SOFT_TIMEOUT=600
EOF`);
    const runDocumented = (name: string) => ns.run(['sh', '-c', docCommand(commands, name)], { timeoutMs: 900_000 });
    const rootHash = async () => {
      const { stdout } = await ns.sh(`${image.readGuestFile} $(ls /srv/ganeti/file-storage/${DOC_INSTANCE}/*.disk0) /etc/shadow`);
      return /^root:([^:]*):/m.exec(stdout)?.[1] ?? '';
    };

    const added = await runDocumented('add-instance');
    assert.equal(added.exitCode, 0, added.all);
    const disk = await diskPath(ns, DOC_INSTANCE);
    const { stdout: hostname } = await ns.sh(`${image.readGuestFile} ${disk} /etc/hostname`);
    assert.match(hostname, /^inst1/);
    const firstHash = await rootHash();
    assert.match(firstHash, /^\$/, 'root has a password hash');
    const { stdout: addLog } = await ns.sh(`cat /var/log/ganeti/os/add-snf-image+default-${DOC_INSTANCE}-*.log`);
    assert.doesNotMatch(addLog, /PCI: Fatal/, 'the helper kernel raises no alarm in the OS log');

    const reinstalled = await runDocumented('reinstall-password');
    assert.equal(reinstalled.exitCode, 0, reinstalled.all);
    const secondHash = await rootHash();
    assert.match(secondHash, /^\$/);
    assert.notEqual(secondHash, firstHash, 'the reinstall set the new password');

    // What docs/ganeti.md says of Ganeti 3.0.2: the reinstall stored only the parameters it was given.
    const { stdout: info } = await ns.must(['gnt-instance', 'info', DOC_INSTANCE]);
    assert.doesNotMatch(info, /debian12\.img/, `Ganeti stored no img_id:\n${info}`);
    const plain = await ns.run(['gnt-instance', 'reinstall', '-f', DOC_INSTANCE], { timeoutMs: 300_000 });
    assert.notEqual(plain.exitCode, 0);
    assert.match(plain.all, /snf-image verify: the OS parameter img_id is missing/);

    const full = await runDocumented('reinstall-full');
    assert.equal(full.exitCode, 0, full.all);
    const { stdout: infoAfter } = await ns.must(['gnt-instance', 'info', DOC_INSTANCE]);
    assert.match(infoAfter, /debian12\.img/, 'a reinstall with the image parameters stores them again');
    await removeInstance(ns, DOC_INSTANCE);
  });

  it('never writes the password to the Ganeti or snf-image logs', async () => {
    for (const password of [PASSWORD, README_PASSWORD, DOC_REINSTALL_PASSWORD]) {
      const found = await ns.run(['grep', '-rlF', password, '/var/log/ganeti', '/var/log/snf-image']);
      assert.equal(found.stdout, '', `the password appears in ${found.stdout}`);
    }
  });
});
