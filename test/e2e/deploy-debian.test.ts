import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { debianGuestImage } from '../../scripts/fixtures/debian-guest-image.ts';
import { nestedEvents } from '../../src/effects/nested-trace.ts';
import { readTraceFile } from '../../src/effects/trace.ts';
import { ensureHelperImage } from '../../src/helper-image/build.ts';
import { deploy, type CreateOptions } from '../../src/ganeti/create.ts';
import { workDirPrefix } from '../../src/host/work-dirs.ts';
import { replayHostTrace } from '../../src/host/replay-host-trace.ts';
import { CONFIG_DEVICE_MOUNTPOINT } from '../../src/protocol/rules.ts';
import { reproduced } from '../../src/effects/replay-machine.ts';
import { createLogger } from '../../src/log.ts';
import { oneDiskCreateEnvironment, writeConfigFile } from '../../src/demo/create-environment.ts';
import { readExtFile, statExtFile, withPartitionedLoop } from '../../src/demo/guest-disk.ts';

const GiB = 1024 ** 3;
const PASSWORD = 'e2e pass phrase';
const AUTH_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGb0ZJ2J2jvNqB0WcC6v0hH2dTzj2m3E7O8oJ8l2a5hQ e2e@example.org';
const MOTD = 'Deployed by snf-image\n';

/**
 * The product for real: `create` under a Ganeti-style environment deploys a
 * bootable Debian 12 image built from Debian packages into a 4 GiB file disk,
 * through the real helper VM under qemu, and the disk is then inspected
 * without mounting it (debugfs on a read-only loop device).
 */
describe('deploying a Debian 12 image end to end', { timeout: 20 * 60_000 }, () => {
  let helperDir: string;
  let image: string;
  let work: string;

  before(async () => {
    const log = createLogger('warn');
    helperDir = await ensureHelperImage({ log });
    image = await debianGuestImage();
    work = await mkdtemp(join(tmpdir(), 'e2e-'));
  });
  after(() => rm(work, { recursive: true, force: true }));

  async function setup(name: string, config: Record<string, string>, parameters: Record<string, string>) {
    const dir = join(work, name);
    await mkdir(dir, { recursive: true });
    const disk = join(dir, 'disk0');
    await writeFile(disk, '');
    await truncate(disk, 4 * GiB);
    const settings = { IMAGE_DIR: dirname(image), HELPER_DIR: helperDir, HELPER_ACCEL: 'tcg', TRACE_DIR: join(dir, 'traces'), HELPER_SOFT_TIMEOUT: '600', ...config };
    const configFile = join(dir, 'snf-image.conf');
    await writeConfigFile(configFile, settings);
    const stdout: string[] = [];
    const env = oneDiskCreateEnvironment({
      name: `${name}.example.org`,
      disk,
      mac: 'aa:00:00:4e:2e:01',
      configFile,
      parameters: { OSP_IMG_ID: basename(image), OSP_IMG_FORMAT: 'diskdump', ...parameters },
    });
    const run = (options: Pick<CreateOptions, 'acceleratorChoice'> = {}) =>
      deploy(env, { log: createLogger('warn'), stdout: new Writable({ write: (c, _e, done) => void (stdout.push(String(c)), done()) }) as never, ...options });
    const monitor = () => stdout.join('').split('\n').filter((l) => l.startsWith('[MONITOR] ')).map((l) => JSON.parse(l.slice(10)) as Record<string, unknown>);
    return { disk, run, monitor };
  }

  async function temporaryFiles(): Promise<string[]> {
    // Only this process's: other creates may run on the node meanwhile.
    return (await readdir(tmpdir())).filter((n) => (['create', 'config', 'hostkeys'] as const).some((kind) => n.startsWith(workDirPrefix(kind))));
  }

  async function nothingLeftBehind(disk: string): Promise<void> {
    const loops = execFileSync('losetup', ['-j', disk], { encoding: 'utf8' });
    assert.equal(loops, '', 'no loop device on the disk');
    const qemus = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes('qemu-system') && l.includes(disk));
    assert.deepEqual(qemus, [], 'no qemu left running');
    assert.deepEqual(await temporaryFiles(), [], 'no temp files left');
  }

  it('customizes the image: table, filesystem, hostname, password, keys, machine id, file, swap and network', async () => {
    const original = await withPartitionedLoop(image, async (device) => ({
      machineId: await readExtFile(`${device}p1`, '/etc/machine-id'),
      hostKey: await readExtFile(`${device}p1`, '/etc/ssh/ssh_host_ed25519_key.pub'),
    }), { readOnly: true });
    const { disk, run, monitor } = await setup('full', {}, {
      OSP_IMG_PASSWD: PASSWORD,
      OSP_AUTH_KEYS: AUTH_KEY,
      OSP_IMG_PROPERTIES: JSON.stringify({ OSFAMILY: 'linux', ROOT_PARTITION: '1', SWAP: '2:256' }),
      OSP_IMG_PERSONALITY: JSON.stringify([{ path: '/etc/motd', contents: Buffer.from(MOTD).toString('base64'), owner: 'root', group: 'root', mode: 0o640 }]),
    });
    const { output, tracePath } = await run();
    assert.equal(output.ok, true, JSON.stringify(output.failure));
    const tasksEnded = monitor().filter((m) => m.subtype === 'task-end').map((m) => m.task);
    for (const task of ['FixPartitionTable', 'FilesystemResizeUnmounted', 'MountImage', 'AddSwap', 'AssignHostname', 'ChangePassword', 'DeleteSSHKeys', 'EnforcePersonality', 'ConfigureNetwork', 'UmountImage']) {
      assert.ok(tasksEnded.includes(task), `${task} reported its end`);
    }

    await withPartitionedLoop(disk, async (device) => {
      const table = JSON.parse(execFileSync('sfdisk', ['--json', device], { encoding: 'utf8' })).partitiontable;
      const sectors = Number(execFileSync('blockdev', ['--getsz', device], { encoding: 'utf8' }));
      const [root, swap] = table.partitions as { start: number; size: number; type: string }[];
      assert.equal(swap!.start + swap!.size, sectors, 'the table fills the disk');
      assert.equal(swap!.size * 512, 256 * 1024 ** 2, 'the swap partition has the size asked for');
      assert.equal(root!.start + root!.size, swap!.start, 'the root partition grew up to the swap partition');

      const p1 = `${device}p1`;
      await execa('e2fsck', ['-fn', p1]);
      const superblock = (await execa('dumpe2fs', ['-h', p1])).stdout;
      const blocks = Number(/Block count:\s+(\d+)/.exec(superblock)![1]) * Number(/Block size:\s+(\d+)/.exec(superblock)![1]);
      assert.ok(root!.size * 512 - blocks < 4 * 1024 ** 2, 'the filesystem fills its partition');

      assert.equal((await readExtFile(p1, '/etc/hostname')).trim(), 'full.example.org');
      assert.match(await readExtFile(p1, '/etc/hosts'), /full\.example\.org/);

      const shadow = await readExtFile(p1, '/etc/shadow');
      const hash = shadow.split('\n').find((l) => l.startsWith('root:'))!.split(':')[1]!;
      const recrypted = execFileSync('perl', ['-e', 'print crypt($ARGV[0], $ARGV[1])', PASSWORD, hash], { encoding: 'utf8' });
      assert.equal(recrypted, hash, 'the root hash verifies against the password');

      assert.match(await readExtFile(p1, '/root/.ssh/authorized_keys'), new RegExp(AUTH_KEY.split(' ')[1]!.slice(0, 30)));
      assert.equal((await statExtFile(p1, '/root/.ssh/authorized_keys'))!.mode & 0o777, 0o600);

      // Debian guests get new keys; a key left as it was would be shared by every instance of the image.
      assert.notEqual(await readExtFile(p1, '/etc/ssh/ssh_host_ed25519_key.pub'), original.hostKey, 'host keys removed or regenerated');
      assert.notEqual(await readExtFile(p1, '/etc/machine-id'), original.machineId, 'a new machine id');

      assert.equal(await readExtFile(p1, '/etc/motd'), MOTD);
      const motd = (await statExtFile(p1, '/etc/motd'))!;
      assert.deepEqual([motd.mode & 0o7777, motd.uid, motd.gid], [0o640, 0, 0]);

      const swapUuid = (await execa('blkid', ['-s', 'UUID', '-o', 'value', `${device}p2`])).stdout.trim();
      assert.match(await readExtFile(p1, '/etc/fstab'), new RegExp(`UUID=${swapUuid}\\s+none\\s+swap`));
      assert.match(await readExtFile(p1, '/etc/network/interfaces'), /iface \S+ inet dhcp/);
    });

    const replayed = await replayHostTrace(readTraceFile(tracePath!));
    assert.deepEqual(replayed.divergences, []);
    assert.equal(replayed.firstMismatch, -1, 'the trace replays step by step');
    assert.ok(replayed.helper && reproduced(replayed.helper), 'the helper\'s own trace came back on its channel and replays step by step');
    assert.doesNotMatch(await readFile(tracePath!, 'utf8'), new RegExp(PASSWORD));
    const helperMounts = nestedEvents(readTraceFile(tracePath!), 'helper').flatMap((e) =>
      e.kind === 'effect.event' && e.event.type === 'helper.mounted' ? [e.event.mountpoint] : [],
    );
    assert.equal(helperMounts[0], CONFIG_DEVICE_MOUNTPOINT, 'the config device is read where the VM\'s init mounted it');
    await nothingLeftBehind(disk);
  });

  it('fails with the failing task\'s error when a task fails inside the VM', async () => {
    const { disk, run, monitor } = await setup('task-fails', {}, {
      OSP_IMG_PROPERTIES: JSON.stringify({ OSFAMILY: 'linux', ROOT_PARTITION: '1' }),
      OSP_IMG_PERSONALITY: JSON.stringify([{ path: '/etc/motd', contents: 'aGk=', owner: 'nosuchuser', group: 'root', mode: 420 }]),
    });
    const { output } = await run();
    assert.equal(output.ok, false);
    assert.match(output.failure!.message, /EnforcePersonality/);
    assert.match(output.failure!.message, /nosuchuser/);
    const errors = monitor().filter((m) => m.type === 'image-helper' && m.subtype === 'error');
    assert.ok(errors.length > 0, 'the helper reported the error on the monitor');
    assert.equal(monitor().at(-1)?.type, 'image-error');
    await nothingLeftBehind(disk);
  });

  it('terminates a helper that does not finish on time, then kills it', async () => {
    const { disk, run, monitor } = await setup('too-slow', { HELPER_SOFT_TIMEOUT: '2', HELPER_HARD_TIMEOUT: '1' }, {
      OSP_IMG_PROPERTIES: JSON.stringify({ OSFAMILY: 'linux', ROOT_PARTITION: '1' }),
    });
    const { output, tracePath } = await run();
    assert.equal(output.ok, false);
    assert.equal(output.failure?.message, 'Image customization failed. Did not finish on time.');
    const signals = readTraceFile(tracePath!).flatMap((e) => (e.kind === 'effect.call' && e.effect === 'signalHelper' ? [(e.input as { signal: string }).signal] : []));
    assert.equal(signals[0], 'SIGTERM', 'the helper was sent SIGTERM first');
    assert.deepEqual((monitor().at(-1)?.messages as string[]) ?? [], ['Image customization failed. Did not finish on time.']);
    await nothingLeftBehind(disk);
  });

  it('finishes in time with HELPER_ACCEL=auto, whatever this machine\'s KVM does', async (t) => {
    const { disk, run } = await setup('auto', { HELPER_ACCEL: 'auto', HELPER_SOFT_TIMEOUT: '600' }, {
      OSP_IMG_PROPERTIES: JSON.stringify({ OSFAMILY: 'linux', ROOT_PARTITION: '1' }),
      OSP_IMG_PASSWD: PASSWORD,
    });
    const started = Date.now();
    // A cache of its own, so the probe runs here whatever earlier creates on this node found.
    const { output, tracePath } = await run({ acceleratorChoice: { cacheDir: join(work, 'auto', 'accelerator') } });
    const seconds = (Date.now() - started) / 1000;
    const helpers = readTraceFile(tracePath!).flatMap((e) => (e.kind === 'effect.call' && e.effect === 'runHelper' ? [(e.input as { accelerator: string }).accelerator] : []));
    t.diagnostic(`create with auto: ${seconds.toFixed(1)} s, helper under ${helpers.join(' then ')}`);
    assert.equal(output.ok, true, JSON.stringify(output.failure));
    // Under TCG the whole create takes well under a minute here; a probe, a boot deadline and a second helper fit in four.
    assert.ok(seconds < 240, `${seconds} s`);
    await nothingLeftBehind(disk);
  });
});
