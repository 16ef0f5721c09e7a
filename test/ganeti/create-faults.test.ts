import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readdirSync, readSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { debianGuestImage } from '../../scripts/fixtures/debian-guest-image.ts';
import { oneDiskCreateEnvironment, writeConfigFile } from '../../src/demo/create-environment.ts';
import { ensureHelperImage } from '../../src/helper-image/build.ts';
import { createLogger } from '../../src/log.ts';
import { startImageServer, type ImageServer } from '../host/copy/image-server.ts';
import { effectCalled, entered, startCreate, type CreateProcess } from './support/create-process.ts';
import { assertFailedCleanly, corruptHelperDir, phasesAtAbort, tracePathOf, workDirsIn } from './support/fault-runs.ts';
import { leftoversAfter, type CreateFootprint } from './support/leftovers.ts';

const STAND_IN = resolve('test/fixtures/stand-in-qemu.sh');
const MiB = 1024 * 1024;
const IMAGE = randomBytes(3 * MiB);
const ABORTED = /^aborted: SIGTERM received/;

/**
 * Faults at the real effects of a real `create`: bin/snf-image.js started as
 * Ganeti starts it (the OS API environment, the parameters in it), writing a
 * file or a loop device, fetching from a real HTTP server on 127.0.0.1,
 * signalled at the moment its own log says it is in a phase. The helper VM
 * is the stand-in (test/fixtures/stand-in-qemu.sh) where its work is not the
 * point, and the real one (the cached helper image under TCG) where it is:
 * killing create while qemu runs, and a corrupt helper image. Every run ends
 * failed with a sentence and leaves nothing behind (leftovers.ts); after a
 * SIGKILL, the next create on the same disk removes the orphaned work
 * directory and succeeds.
 */
describe('create under faults, started as Ganeti starts it', { skip: process.getuid?.() !== 0 ? 'needs root, as create runs' : false, timeout: 20 * 60_000 }, () => {
  let base: string;
  let server: ImageServer;

  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'create-faults-'));
    await writeFile(join(base, 'image.img'), IMAGE);
    server = await startImageServer(IMAGE);
  });
  after(async () => {
    await server.close();
    await rm(base, { recursive: true, force: true });
  });

  interface Node extends CreateFootprint {
    /** A create on this node's disk with `change` over the working defaults (stand-in qemu, the local 3 MiB image). */
    start(change?: Change): Promise<CreateProcess>;
  }
  interface Change {
    readonly config?: Readonly<Record<string, string>>;
    readonly parameters?: Readonly<Record<string, string>>;
    readonly path?: string;
  }

  async function node(name: string, options: { diskBytes?: number; disk?: string } = {}): Promise<Node> {
    const runDir = join(base, name);
    await mkdir(join(base, 'tmp'), { recursive: true });
    await mkdir(join(runDir, 'helper'), { recursive: true });
    const disk = options.disk ?? join(runDir, 'disk0');
    if (!options.disk) {
      await writeFile(disk, '');
      await truncate(disk, options.diskBytes ?? 16 * MiB);
    }
    // One TMPDIR for the file's creates, one after the other: tsx's compile cache there stays warm.
    const footprint = { runDir, disk, tmpdir: join(base, 'tmp') };
    let runs = 0;
    return {
      ...footprint,
      async start(change: Change = {}) {
        const configFile = join(runDir, `snf-image-${runs++}.conf`);
        await writeConfigFile(configFile, {
          IMAGE_DIR: base,
          HELPER_DIR: join(runDir, 'helper'),
          QEMU: `${STAND_IN} success ${join(runDir, 'stand-in')}`,
          HELPER_ACCEL: 'tcg',
          TRACE_DIR: join(runDir, 'traces'),
          ...change.config,
        });
        const env = oneDiskCreateEnvironment({
          name: `${name}.example.org`,
          disk,
          mac: 'aa:00:00:fa:17:01',
          configFile,
          parameters: {
            OSP_IMG_ID: 'image.img',
            OSP_IMG_FORMAT: 'diskdump',
            OSP_IMG_PASSWD: 'fault pass phrase',
            OSP_IMG_PROPERTIES: '{"OSFAMILY":"linux","ROOT_PARTITION":"1"}',
            ...change.parameters,
          },
        });
        return startCreate(env, { tmpdir: footprint.tmpdir, ...(change.path ? { path: change.path } : {}) });
      },
    };
  }

  /** The next create on the same disk, with the working defaults, succeeds, and nothing is left. */
  async function rerunSucceeds(n: Node): Promise<void> {
    const exit = await (await n.start()).exited;
    assert.equal(exit.code, 0, `the rerun failed:\n${exit.stderr.slice(-3000)}`);
    const head = Buffer.alloc(IMAGE.length);
    const fd = openSync(n.disk, 'r');
    readSync(fd, head, 0, head.length, 0);
    closeSync(fd);
    assert.ok(head.equals(IMAGE), 'the disk starts with the image');
    assert.deepEqual(await leftoversAfter(n), []);
  }

  async function until(condition: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** How to bring a create into each phase the stand-in can hold it in, and know that it is there. */
  const phases: { phase: string; change: (url: string) => Change; reached: (create: CreateProcess, n: Node) => Promise<void> }[] = [
    {
      phase: 'validating',
      change: (url) => ({ parameters: { OSP_CONFIG_URL: `${url}/stall.img` } }),
      reached: async (create) => {
        await create.step(effectCalled('validate'), 'validate was called');
        await until(() => server.stalledConnections() === 1, 'config_url is being fetched');
      },
    },
    {
      phase: 'selectingBackends',
      change: (url) => ({ parameters: { OSP_IMG_ID: `${url}/head-stall.img` } }),
      reached: async (create) => {
        await create.step(effectCalled('selectBackends'), 'selectBackends was called');
        await until(() => server.stalledConnections() === 1, 'the image is being sized');
      },
    },
    {
      phase: 'copying',
      change: (url) => ({ parameters: { OSP_IMG_ID: `${url}/stall.img` } }),
      reached: async (create) => {
        await create.step(effectCalled('copyImage'), 'copyImage was called');
        await until(() => server.stalledConnections() === 1, 'the image is being downloaded');
      },
    },
    {
      // Its work directories are made, and ssh-keygen, then mke2fs and debugfs, have most of a second to go.
      phase: 'writingConfigDevice',
      change: () => ({}),
      reached: async (create, n) => {
        await create.step(effectCalled('writeConfigDevice'), 'writeConfigDevice was called');
        await until(() => readdirSync(n.tmpdir).some((name) => name.startsWith(`snf-image-hostkeys-${create.pid}-`)), 'the host keys are being made');
      },
    },
  ];

  for (const { phase, change, reached } of phases) {
    it(`fails with a sentence and leaves nothing when SIGTERM arrives while ${phase}, and the next create succeeds`, async () => {
      const n = await node(`term-${phase}`);
      const create = await n.start(change(server.url));
      await reached(create, n);
      create.kill('SIGTERM');
      const exit = await create.exited;
      await assertFailedCleanly(exit, n, ABORTED);
      assert.deepEqual(phasesAtAbort(tracePathOf(exit.stderr)!), [`deploying.${phase}`], 'the signal came in that phase');
      await until(() => server.stalledConnections() === 0, 'the connection is closed');
      await rerunSucceeds(n);
    });

    it(`leaves nothing running when SIGKILLed while ${phase}, and the next create removes its work directory and succeeds`, async () => {
      const n = await node(`kill-${phase}`);
      const create = await n.start(change(server.url));
      await reached(create, n);
      create.kill('SIGKILL');
      assert.equal((await create.exited).signal, 'SIGKILL');
      assert.deepEqual(await leftoversAfter(n, { workDirs: false }), [], 'no process, descriptor, device or mount is left');
      const orphans = await workDirsIn(n.tmpdir);
      assert.ok(orphans.every((name) => name.includes(`-${create.pid}-`)), `only the killed create's work directories are left: ${orphans.join(' ')}`);
      if (phase === 'writingConfigDevice') assert.equal(orphans.length, 2, 'its work directory and the host keys one are left');
      await until(() => server.stalledConnections() === 0, 'the kernel closed its connection');
      await rerunSucceeds(n);
    });
  }

  it('releases the stand-in helper when SIGKILLed while releasing, and the next create removes what it left', async () => {
    const n = await node('kill-releasing');
    const create = await n.start({ config: { QEMU: `${STAND_IN} ignore-term ${join(n.runDir, 'stand-in')}` } });
    await create.step(effectCalled('runHelper'), 'the helper started');
    create.kill('SIGTERM');
    await create.step(entered('releasing'), 'create began to release');
    create.kill('SIGKILL');
    assert.equal((await create.exited).signal, 'SIGKILL');
    assert.deepEqual(await leftoversAfter(n, { workDirs: false }), []);
    await rerunSucceeds(n);
  });

  describe('with the real helper VM, on a loop device', () => {
    let helperDir: string;
    let guestImage: string;
    let n: Node;
    let loop: string;
    const real = (extra: Readonly<Record<string, string>> = {}): Change => ({
      config: { HELPER_DIR: helperDir, IMAGE_DIR: dirname(guestImage), QEMU: 'qemu-system-x86_64', HELPER_SOFT_TIMEOUT: '600', ...extra },
      parameters: { OSP_IMG_ID: basename(guestImage) },
    });

    before(async () => {
      helperDir = await ensureHelperImage({ log: createLogger('warn') });
      guestImage = await debianGuestImage();
      // In the node's directory, so that a loop device left on it would be found.
      await mkdir(join(base, 'real'), { recursive: true });
      const backing = join(base, 'real', 'loop-backing.img');
      await writeFile(backing, '');
      await truncate(backing, (await stat(guestImage)).size + 256 * MiB);
      loop = execFileSync('losetup', ['--find', '--show', backing], { encoding: 'utf8' }).trim();
      n = { ...(await node('real', { disk: loop })), ownLoops: [loop] };
    });
    after(() => {
      if (loop) execFileSync('losetup', ['-d', loop]);
    });

    it('stops qemu and releases everything when SIGTERM arrives while the helper runs, and again while releasing', async (t) => {
      const create = await n.start(real());
      await create.monitorMessage((m) => m.subtype === 'task-start', 'the helper started a task');
      create.kill('SIGTERM');
      await create.step(entered('releasing'), 'create began to release');
      create.kill('SIGTERM');
      const exit = await create.exited;
      await assertFailedCleanly(exit, n, ABORTED);
      const phases = phasesAtAbort(tracePathOf(exit.stderr)!);
      t.diagnostic(`SIGTERM reached create in ${phases.join(', then ')}`);
      assert.match(phases[0]!, /^deploying\.runningHelper/);
      assert.match(phases[1]!, /^releasing/);
    });

    it('leaves no qemu when SIGKILLed while the helper runs; the next create removes the orphan and succeeds', async () => {
      const create = await n.start(real());
      await create.monitorMessage((m) => m.subtype === 'task-start', 'the helper started a task');
      assert.ok((await workDirsIn(n.tmpdir)).length > 0, 'the killed create had a work directory');
      create.kill('SIGKILL');
      assert.equal((await create.exited).signal, 'SIGKILL');
      assert.deepEqual(await leftoversAfter(n, { workDirs: false }), [], 'no qemu, no descriptor on the disk');
      const exit = await (await n.start(real())).exited;
      assert.equal(exit.code, 0, exit.stderr.slice(-3000));
      assert.deepEqual(await leftoversAfter(n), [], 'the orphaned work directory is gone');
    });
  });

  it('refuses a destination smaller than the image, writing nothing', async (t) => {
    const n = await node('too-small', { diskBytes: 1 * MiB });
    t.diagnostic(await assertFailedCleanly(await (await n.start()).exited, n, /the image does not fit disk .*: it holds 1048576 bytes and the image needs at least 3145728; make the disk bigger$/));
    assert.ok((await readFile(n.disk)).every((b) => b === 0), 'the disk is untouched');
  });

  it('fails with a sentence when the destination is on a full filesystem', async (t) => {
    const runDir = join(base, 'full-fs');
    const mountPoint = join(runDir, 'small');
    await mkdir(mountPoint, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mountPoint]);
    try {
      const disk = join(mountPoint, 'disk0');
      await writeFile(disk, '');
      await truncate(disk, 16 * MiB);
      const n = { ...(await node('full-fs', { disk })), ownMounts: [mountPoint] };
      t.diagnostic(await assertFailedCleanly(await (await n.start()).exited, n, /^writing the image to disk .* failed at byte \d+: no space left on the device \(ENOSPC\)/));
    } finally {
      execFileSync('umount', [mountPoint]);
    }
  });

  it('fails with a sentence naming QEMU when the program is not there', async (t) => {
    const n = await node('no-qemu');
    t.diagnostic(await assertFailedCleanly(await (await n.start({ config: { QEMU: '/nonexistent/qemu-system-x86_64' } })).exited, n, /^\/nonexistent\/qemu-system-x86_64 does not exist: install it, or correct the configuration setting that names it$/));
    await rerunSucceeds(n);
  });

  /** A PATH with every program of the usual one but `tool`. */
  async function pathWithout(n: Node, tool: string): Promise<string> {
    const path = join(n.runDir, 'bin');
    await mkdir(path);
    for (const dir of ['/usr/sbin', '/usr/bin', '/sbin', '/bin']) {
      for (const name of await readdir(dir).catch(() => [])) if (name !== tool) await symlink(join(dir, name), join(path, name)).catch(() => {});
    }
    return path;
  }

  for (const tool of ['mke2fs', 'setpriv']) {
    it(`fails with a sentence naming ${tool} when it is not on PATH`, async (t) => {
      const n = await node(`no-${tool}`);
      t.diagnostic(await assertFailedCleanly(await (await n.start({ path: await pathWithout(n, tool) })).exited, n, new RegExp(`${tool} was not found on PATH: install it on this node`)));
      await rerunSucceeds(n);
    });
  }

  it('deploys without ssh-keygen on the node, leaving the host keys to the helper', async () => {
    const n = await node('no-ssh-keygen');
    const exit = await (await n.start({ path: await pathWithout(n, 'ssh-keygen') })).exited;
    assert.equal(exit.code, 0, exit.stderr.slice(-3000));
    assert.deepEqual(await leftoversAfter(n), []);
  });

  describe('a corrupt helper image (the real qemu)', () => {
    let helperDir: string;
    before(async () => {
      helperDir = await ensureHelperImage({ log: createLogger('warn') });
    });
    const cases = [
      { file: 'kernel', reason: /Customization VM died unexpectedly/ },
      // panic=-1: the kernel, finding no root, reboots, which -no-reboot turns into qemu's exit.
      { file: 'initrd', reason: /the helper wrote no result/ },
      { file: 'image', reason: /cannot mount the helper root/ },
    ] as const;
    for (const { file, reason } of cases) {
      it(`fails in seconds with a sentence when the helper's ${file} is truncated`, async (t) => {
        const n = await node(`corrupt-${file}`);
        const corrupt = await corruptHelperDir(helperDir, join(n.runDir, 'corrupt-helper'), file);
        const started = Date.now();
        const exit = await (await n.start({ config: { HELPER_DIR: corrupt, QEMU: 'qemu-system-x86_64', HELPER_SOFT_TIMEOUT: '600' } })).exited;
        t.diagnostic(await assertFailedCleanly(exit, n, reason));
        assert.ok(Date.now() - started < 120_000, 'not held until HELPER_SOFT_TIMEOUT');
      });
    }
  });

  const downloads = [
    { what: 'stalls', path: '/stall.img', reason: /the server sent nothing for 1 s/ },
    // The reset comes to the client as ECONNRESET or, when it lands while the socket is not being read, as the connection ending short: either fails naming the URL.
    { what: 'resets the connection', path: '/reset.img', reason: /ECONNRESET|the server closed the connection \d+ bytes short of the \d+ it announced/ },
    { what: 'sends fewer bytes than it announced', path: '/short.img', reason: /the connection was lost after|ended after/ },
    { what: 'sends more bytes than it announced', path: '/long.img', reason: /the server sent more bytes than the 1572864 announced/ },
  ];
  for (const { what, path, reason } of downloads) {
    it(`fails with a sentence naming the URL when the HTTP source ${what}, and the next create succeeds`, async (t) => {
      const n = await node(`http-${path.slice(1, -4)}`);
      const create = await n.start({ config: { DOWNLOAD_STALL_TIMEOUT: '1' }, parameters: { OSP_IMG_ID: `${server.url}${path}` } });
      const sentence = await assertFailedCleanly(await create.exited, n, reason);
      assert.ok(sentence.includes(`${server.url}${path}`), sentence);
      t.diagnostic(sentence);
      await rerunSucceeds(n);
    });
  }
});
