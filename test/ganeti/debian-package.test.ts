import assert from 'node:assert/strict';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { addInstance, ADDRESSES, diskPath, initCluster, removeInstance } from './support/ganeti-cluster.ts';
import { GanetiNamespace } from './support/ganeti-namespace.ts';
import { ensureGanetiInstalled, exists } from './support/ganeti-packages.ts';
import { findDeployableImage } from './support/deployable-image.ts';
import { holdHostLock } from './support/host-lock.ts';
import { REPO_DIR } from './support/install-snf-image.ts';
import { buildPackage, installPackage, isPackageInstalled, purgePackage } from './support/debian-package.ts';

/**
 * The Debian package as an operator meets it: `npm run package`'s .deb
 * installed on this machine, its command run with no node_modules, its OS
 * definition in Ganeti's search path deploying an image through a real
 * Ganeti 3.0.2 node (in the namespaces of the Ganeti test), then purged,
 * leaving nothing behind. The purge runs in `after` too, so a failure
 * anywhere still leaves the machine without the package.
 */
const OS_DIR = '/usr/share/ganeti/os/snf-image';
/** Every path the package installs or its scripts make (the cache and log directories only when missing before). */
const PACKAGE_PATHS = [OS_DIR, '/usr/share/snf-image', '/usr/bin/snf-image', '/etc/snf-image', '/etc/ganeti/snf-image', '/usr/share/man/man8/snf-image.8.gz', '/usr/share/man/man5/snf-image.conf.5.gz', '/usr/share/doc/snf-image'];
const MADE_BY_PACKAGE_MARK = '.made-by-snf-image-package';
/** A clean environment with no NODE_PATH, as Ganeti's daemons give theirs. */
const BARE_ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' };

describe('the snf-image Debian package', { timeout: 1_800_000 }, () => {
  let packageDir: string | undefined;
  let deb = '';
  let ns: GanetiNamespace | undefined;
  /** Set once this test has installed the package: only then is a purge its to do. */
  let installed = false;
  let releaseHostLock: (() => Promise<void>) | undefined;
  const existedBefore = new Map<string, boolean>();
  let osDefinitionsBefore: string[] = [];
  let danglingLinksBefore = '';

  before(async () => {
    releaseHostLock = await holdHostLock();
    if (await isPackageInstalled()) throw new Error('a snf-image package is already installed on this machine; this test installs and purges its own, so remove it first');
    for (const path of [...PACKAGE_PATHS, '/var/cache/snf-image', '/var/log/snf-image']) existedBefore.set(path, await exists(path));
    for (const path of PACKAGE_PATHS) assert.equal(existedBefore.get(path), false, `${path} exists before the package is installed`);
    await ensureGanetiInstalled();
    osDefinitionsBefore = await osDefinitions();
    danglingLinksBefore = await danglingLinks();
    ({ deb, dir: packageDir } = await buildPackage());
    installed = true;
    await installPackage(deb);
  });

  after(async () => {
    try {
      await ns?.close();
      if (installed && (await isPackageInstalled())) await purgePackage();
      if (packageDir !== undefined) await rm(packageDir, { recursive: true, force: true });
    } finally {
      await releaseHostLock?.();
    }
  });

  it('runs `snf-image --help` from the installed files alone, with no node_modules', async () => {
    const help = await execa('snf-image', ['--help'], { cwd: '/', env: BARE_ENV, extendEnv: false });
    assert.match(help.stdout, /^usage: snf-image SUBCOMMAND/);
    assert.match(help.stdout, /^ {2}create /m);
    assert.doesNotMatch(help.stdout, /^ {2}demo /m, 'the demo, which needs a checkout, is not offered');
    const verify = await execa('snf-image', ['verify', 'parameters'], { cwd: '/', env: { ...BARE_ENV, OS_API_VERSION: '20', OSP_IMG_ID: 'debian', OSP_IMG_FORMAT: 'qcow' }, extendEnv: false, reject: false });
    assert.equal(verify.exitCode, 1);
    assert.match(verify.stderr, /img_format "qcow" is not supported/, 'a subcommand runs from the bundle too');
    // viz draws its page from the script the package ships, with no esbuild to bundle it.
    const trace = join(packageDir!, 'success.jsonl');
    await writeFile(trace, gunzipSync(await readFile(join(REPO_DIR, 'test/corpus/success.jsonl.gz'))));
    await execa('snf-image', ['viz', trace, '--out', join(packageDir!, 'page.html')], { cwd: '/', env: BARE_ENV, extendEnv: false });
    const page = await readFile(join(packageDir!, 'page.html'), 'utf8');
    assert.ok(page.includes(await readFile('/usr/share/snf-image/visualizer/page/main.js', 'utf8')), 'the page holds the shipped script');
    const { stdout: found } = await execa('find', ['/usr/share/snf-image', '-name', 'node_modules']);
    assert.equal(found, '', 'the package holds no node_modules');
  });

  it('installs man pages for the command and its configuration', async () => {
    const command = await execa('man', ['-l', '/usr/share/man/man8/snf-image.8.gz'], { env: { ...BARE_ENV, MANWIDTH: '100' } });
    for (const usage of ['usage: snf-image deploy IMAGE DISK', 'usage: snf-image install-os', 'usage: snf-image helper build']) assert.ok(command.stdout.includes(usage), `snf-image(8) shows ${usage}`);
    const config = await execa('man', ['-l', '/usr/share/man/man5/snf-image.conf.5.gz'], { env: { ...BARE_ENV, MANWIDTH: '100' } });
    assert.match(config.stdout, /HELPER_SOFT_TIMEOUT\s+120/, 'snf-image.conf(5) lists the settings with their defaults');
    assert.match(config.stdout, /HTTPS_PROXY[\s\S]{0,200}CONNECT/, 'and explains them as the configuration template does');
  });

  it('gives Ganeti an OS definition that deploys an image', async () => {
    const image = await findDeployableImage();
    ns = await GanetiNamespace.start(ADDRESSES);
    await initCluster(ns);
    const { stdout: diagnosed } = await ns.must(['gnt-os', 'diagnose']);
    assert.match(diagnosed, /OS: snf-image \[global status: valid\]/);
    assert.ok(diagnosed.includes(`valid (path: ${OS_DIR})`), `Ganeti finds the package's OS definition:\n${diagnosed}`);

    // The namespace's /etc is an overlay: the package's configuration file is changed there only.
    await ns.sh(`mkdir -p /srv/images && touch /srv/images/debian.img
      mount --bind ${image.imageDir}/${image.imageId} /srv/images/debian.img
      mount -o remount,bind,ro /srv/images/debian.img
      printf 'IMAGE_DIR=/srv/images\\nHELPER_DIR=%s\\nHELPER_SOFT_TIMEOUT=600\\n' '${image.helperDir}' >> /etc/snf-image/snf-image.conf`);
    const name = 'packaged.example';
    const added = await addInstance(ns, {
      name,
      sizeMiB: image.diskMiB,
      parameters: { img_id: 'debian.img', img_format: 'diskdump', img_properties: '{"OSFAMILY":"linux","ROOT_PARTITION":"1"}' },
      privateParameters: { img_passwd: 'Packag3d-pa55word' },
    });
    assert.equal(added.exitCode, 0, added.all);
    const { stdout: hostname } = await ns.sh(`${image.readGuestFile} ${await diskPath(ns, name)} /etc/hostname`);
    assert.match(hostname, /^packaged/, 'the helper VM customized the guest');
    await removeInstance(ns, name);
    await ns.close();
    ns = undefined;
  });

  it("ships the helper program and recipe a checkout builds from, so `helper build` finds the checkout's cached image", async () => {
    // The Ganeti step above bundled the checkout's helper program (findDeployableImage); the helper's cache key hashes these files.
    const shared = ['dist/helper/snf-image-helper.mjs', 'dist/helper/snf-image-helper.snapshot.cjs'];
    for (const dir of ['helper-image', 'src/helper-image']) for (const name of await readdir(join(REPO_DIR, dir))) shared.push(join(dir, name));
    for (const path of shared) {
      assert.ok((await readFile(join('/usr/share/snf-image', path))).equals(await readFile(join(REPO_DIR, path))), `${path} is the checkout's`);
    }
  });

  it('is purged leaving nothing behind', async () => {
    await purgePackage();
    const listed = await execa('dpkg', ['-L', 'snf-image'], { reject: false });
    assert.notEqual(listed.exitCode, 0, `dpkg lists no files of snf-image:\n${listed.stdout}`);
    for (const path of PACKAGE_PATHS) assert.equal(await exists(path), false, `${path} is gone`);
    assert.deepEqual(await osDefinitions(), osDefinitionsBefore, 'no OS definition is left in the package search path');
    for (const dir of ['/var/cache/snf-image', '/var/log/snf-image']) {
      // A directory that was there before is the machine's (a checkout's caches): kept, and never marked as the package's.
      assert.equal(await exists(dir), existedBefore.get(dir), `${dir} is as the package found it`);
      assert.equal(await exists(`${dir}/${MADE_BY_PACKAGE_MARK}`), false);
    }
    assert.equal(await danglingLinks(), danglingLinksBefore, 'no symlink is left pointing at a removed file');
  });
});

async function osDefinitions(): Promise<string[]> {
  return (await readdir('/usr/share/ganeti/os').catch(() => [])).sort();
}

/** Symlinks whose target is missing, where the package puts its links. */
async function danglingLinks(): Promise<string> {
  const { stdout } = await execa('find', ['/usr/bin', '/usr/share/ganeti', '/etc/ganeti', '-xtype', 'l'], { reject: false });
  return stdout;
}
