import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile, truncate, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { readTraceFile } from '../../src/effects/trace.ts';
import { oneDiskCreateEnvironment, writeConfigFile } from '../../src/demo/create-environment.ts';
import { deploy } from '../../src/ganeti/create.ts';
import { replayHostTrace } from '../../src/host/replay-host-trace.ts';
import { createLogger } from '../../src/log.ts';
import { capturedLog } from '../support/captured-log.ts';
import { workDirPrefix } from '../../src/host/work-dirs.ts';

const STAND_IN = resolve('test/fixtures/stand-in-qemu.sh');
const IMAGE_BYTES = 3 * 1024 * 1024 + 512;

/**
 * create end to end on this machine's real tools (config files, the local
 * back-end, the copy onto a file disk, mke2fs, process groups and signals),
 * with a stand-in for qemu that plays the helper's side of the serial channels.
 */
describe('create with a stand-in helper VM', () => {
  let dir: string;
  let image: Buffer;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'create-test-'));
    image = randomBytes(IMAGE_BYTES);
    await writeFile(join(dir, 'debian.img'), image);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  async function setup(name: string, scenario: string, extraConfig: Record<string, string> = {}) {
    const run = join(dir, name);
    await rm(run, { recursive: true, force: true });
    await mkdtemp(join(dir, 'x')).then((d) => rm(d, { recursive: true }));
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(run, 'traces'), { recursive: true });
    await mkdir(join(run, 'helper'), { recursive: true });
    const disk = join(run, 'disk0');
    await writeFile(disk, '');
    await truncate(disk, 16 * 1024 * 1024);
    const config = {
      IMAGE_DIR: dir,
      HELPER_DIR: join(run, 'helper'),
      QEMU: `${STAND_IN} ${scenario} ${join(run, 'stand-in')}`,
      HELPER_ACCEL: 'tcg',
      TRACE_DIR: join(run, 'traces'),
      VARIANTS_DIR: join(run, 'variants'),
      ...extraConfig,
    };
    const configFile = join(run, 'snf-image.conf');
    await writeConfigFile(configFile, config);
    const env = oneDiskCreateEnvironment({
      name: `${name}.example.org`,
      disk,
      mac: 'aa:00:00:11:22:33',
      configFile,
      parameters: {
        OSP_IMG_ID: 'debian.img',
        OSP_IMG_FORMAT: 'diskdump',
        OSP_IMG_PASSWD: 'correct horse battery staple',
        OSP_IMG_PROPERTIES: '{"OSFAMILY":"linux","ROOT_PARTITION":"1"}',
      },
    });
    const stdout: string[] = [];
    const sink = new Writable({ write: (chunk, _e, done) => void (stdout.push(String(chunk)), done()) });
    return { run, disk, env, stdout, sink };
  }

  function monitorMessages(stdout: string[]) {
    return stdout.join('').split('\n').filter((l) => l.startsWith('[MONITOR] ')).map((l) => JSON.parse(l.slice(10)) as Record<string, unknown>);
  }

  async function leftovers(): Promise<string[]> {
    const names = await readdir(tmpdir());
    // Only this process's: other creates may run on the node meanwhile.
    return names.filter((n) => (['create', 'config', 'hostkeys'] as const).some((kind) => n.startsWith(workDirPrefix(kind))));
  }

  it('copies the image, hands the helper its rules, and reports success', async () => {
    const before = await leftovers();
    const t = await setup('ok', 'success');
    const rulesCopy = join(t.run, 'stand-in', 'rules.json');
    const { output, tracePath } = await deploy(t.env, { log: createLogger('silent'), stdout: t.sink as never });
    assert.equal(output.ok, true, JSON.stringify(output.failure));
    const disk = await readFile(t.disk);
    assert.equal(disk.length, 16 * 1024 * 1024, 'the disk file keeps its size');
    assert.ok(disk.subarray(0, IMAGE_BYTES).equals(image), 'the disk starts with the image');
    const rules = JSON.parse(await readFile(rulesCopy, 'utf8'));
    assert.deepEqual(rules.devices, ['/dev/vdb']);
    assert.equal(rules.env.HOSTNAME, 'ok.example.org');
    assert.equal(rules.env.PASSWD, 'correct horse battery staple', 'the helper gets the password itself');
    assert.equal(rules.env.NIC_0_MAC, 'aa:00:00:11:22:33');
    const messages = monitorMessages(t.stdout);
    assert.deepEqual(
      messages.filter((m) => m.type === 'image-helper').map((m) => `${m.subtype}:${m.task}`),
      ['task-start:FixPartitionTable', 'task-end:FixPartitionTable'],
    );
    const progress = messages.filter((m) => m.type === 'image-copy-progress').at(-1);
    assert.equal(progress?.position, IMAGE_BYTES);
    assert.ok(tracePath);
    const traceText = await readFile(tracePath, 'utf8');
    assert.doesNotMatch(traceText, /correct horse/);
    assert.equal(((await stat(tracePath)).mode & 0o777), 0o600);
    assert.deepEqual(await leftovers(), before, 'no temp dirs left behind');
  });

  it('writes a trace that replays to the same steps with no I/O', async () => {
    const t = await setup('replay', 'success');
    const { tracePath } = await deploy(t.env, { log: createLogger('silent'), stdout: t.sink as never });
    const replayed = await replayHostTrace(readTraceFile(tracePath!));
    assert.deepEqual(replayed.divergences, []);
    assert.equal(replayed.firstMismatch, -1);
    assert.ok(replayed.recorded.length > 8);
  });

  it('fails with the task error when a task fails in the helper', async () => {
    const t = await setup('task-error', 'task-error');
    const { output } = await deploy(t.env, { log: createLogger('silent'), stdout: t.sink as never });
    assert.equal(output.ok, false);
    assert.equal(output.failure?.message, 'Image customization failed: ERROR: ChangePassword: the image has no user named root');
    const messages = monitorMessages(t.stdout);
    assert.ok(messages.some((m) => m.type === 'image-helper' && m.subtype === 'error'));
    assert.deepEqual(messages.at(-1), { ...messages.at(-1), type: 'image-error', messages: ['Image customization failed: ERROR: ChangePassword: the image has no user named root'] });
  });

  it('logs every traced step at debug level when the configuration says IMAGE_DEBUG=yes, and not otherwise', async () => {
    for (const [config, expected] of [[{}, false], [{ IMAGE_DEBUG: 'yes' }, true], [{ LOG_LEVEL: 'debug' }, true]] as const) {
      const t = await setup('image-debug', 'success', config);
      const captured = capturedLog();
      captured.log.level = 'info';
      await deploy(t.env, { log: captured.log, stdout: t.sink as never });
      const traced = captured.messages().filter((m) => m === 'debug: trace');
      assert.equal(traced.length > 10, expected, JSON.stringify(config));
      if (expected) assert.doesNotMatch(captured.text(), /correct horse/, 'the password is traced as ***');
    }
  });

  it("reads the image from the IMAGE_DIR of the local back-end's own configuration file", async () => {
    const t = await setup('local-conf', 'success', { IMAGE_DIR: join(dir, 'not-here') });
    const backendsConfigDir = join(t.run, 'backends');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(backendsConfigDir, 'src'), { recursive: true });
    await writeFile(join(backendsConfigDir, 'src', 'local.conf'), `IMAGE_DIR=${dir}\n`);
    const { output } = await deploy(t.env, { log: createLogger('silent'), stdout: t.sink as never, backendsConfigDir });
    assert.equal(output.ok, true, JSON.stringify(output.failure));
    assert.ok((await readFile(t.disk)).subarray(0, IMAGE_BYTES).equals(image), 'the disk starts with the image');
  });

  it('removes the traces older than TRACE_MAX_AGE from TRACE_DIR, and only traces', async () => {
    const t = await setup('trace-age', 'success', { TRACE_MAX_AGE: '1d' });
    const traces = join(t.run, 'traces');
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
    for (const name of ['old.jsonl', 'old-notes.txt']) {
      await writeFile(join(traces, name), '');
      await utimes(join(traces, name), twoDaysAgo, twoDaysAgo);
    }
    await writeFile(join(traces, 'recent.jsonl'), '');
    const { tracePath } = await deploy(t.env, { log: createLogger('silent'), stdout: t.sink as never });
    assert.deepEqual((await readdir(traces)).sort(), ['old-notes.txt', 'recent.jsonl', basename(tracePath!)].sort());
  });

  it('logs the reason last, after the trace hint, since Ganeti shows the last lines of the OS log', async () => {
    const t = await setup('reason-last', 'task-error');
    const captured = capturedLog();
    await deploy(t.env, { log: captured.log, stdout: t.sink as never });
    const messages = captured.messages();
    assert.equal(messages.at(-1), 'error: Image customization failed: ERROR: ChangePassword: the image has no user named root');
    assert.match(messages.at(-2) ?? '', /^info: view the trace with: snf-image viz .*\.jsonl$/);
  });

  it('terminates a helper that does not finish on time, then kills one that ignores SIGTERM', async () => {
    for (const scenario of ['hang', 'ignore-term']) {
      const before = await leftovers();
      const t = await setup(scenario, scenario, { HELPER_SOFT_TIMEOUT: '1', HELPER_HARD_TIMEOUT: '1' });
      const started = Date.now();
      const { output } = await deploy(t.env, { log: createLogger('silent'), stdout: t.sink as never });
      assert.equal(output.failure?.kind, 'HelperTimeout', scenario);
      assert.deepEqual(output.helperExit, { exitCode: null, signal: scenario === 'hang' ? 'SIGTERM' : 'SIGKILL' });
      assert.ok(Date.now() - started < 10_000);
      const pids = (await readdir('/proc')).filter((p) => /^\d+$/.test(p));
      const survivors = [];
      for (const pid of pids) {
        const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
        if (cmdline.includes(STAND_IN)) survivors.push(pid);
      }
      assert.deepEqual(survivors, [], 'no helper process left');
      assert.deepEqual(await leftovers(), before);
    }
  });

  describe('whatever this node\'s KVM does (HELPER_ACCEL=auto)', () => {
    /** A node whose /dev/kvm opens (a plain file stands for it) and whose qemu plays one KVM behaviour. */
    async function autoSetup(name: string, scenario: string, extraConfig: Record<string, string> = {}) {
      const t = await setup(name, scenario, { HELPER_ACCEL: 'auto', HELPER_BOOT_TIMEOUT: '2', ...extraConfig });
      await writeFile(join(t.run, 'helper', 'kernel'), 'kernel');
      await writeFile(join(t.run, 'kvm'), '');
      await writeFile(join(t.run, 'boot_id'), 'boot-1\n');
      const acceleratorChoice = { cacheDir: join(t.run, 'accelerator'), kvmDevice: join(t.run, 'kvm'), bootIdPath: join(t.run, 'boot_id'), probeTimeoutMs: 1000 };
      const create = async () => {
        const started = Date.now();
        const result = await deploy(t.env, { log: createLogger('silent'), stdout: t.sink as never, acceleratorChoice });
        const trace = readTraceFile(result.tracePath!);
        const helpers = trace.flatMap((e) => (e.kind === 'effect.call' && e.effect === 'runHelper' ? [(e.input as { accelerator: string }).accelerator] : []));
        return { ...result, trace, helpers, seconds: (Date.now() - started) / 1000 };
      };
      return { ...t, create };
    }

    const cases = [
      { scenario: 'kvm-works', helpers: ['kvm'] },
      { scenario: 'kvm-aborts', helpers: ['tcg'] },
      { scenario: 'kvm-hangs', helpers: ['tcg'] },
      { scenario: 'kvm-hangs-after-probe', helpers: ['kvm', 'tcg'] },
      { scenario: 'kvm-internal-error', helpers: ['kvm', 'tcg'] },
    ];
    for (const { scenario, helpers } of cases) {
      it(`deploys in seconds on a node where ${scenario}, helpers under ${helpers.join(' then ')}, and the next create does not probe again`, async () => {
        const t = await autoSetup(scenario, scenario);
        const first = await t.create();
        assert.equal(first.output.ok, true, JSON.stringify(first.output.failure));
        assert.deepEqual(first.helpers, helpers);
        assert.ok(first.seconds < 10, `${first.seconds} s`);
        const warnings = monitorMessages(t.stdout).filter((m) => m.type === 'image-helper' && m.subtype === 'warning');
        assert.equal(warnings.length, helpers.length - 1, 'a warning for each fallback');
        const second = await t.create();
        assert.equal(second.output.ok, true);
        assert.deepEqual(second.helpers, [helpers.at(-1)], 'the verdict (or the fallback) is remembered');
        const choice = second.trace.find((e) => e.kind === 'effect.result' && e.effect === 'chooseAccelerator');
        assert.ok(choice?.kind === 'effect.result' && choice.outcome.ok && /^probed earlier in this host boot/.test((choice.outcome.output as { reason: string }).reason));
      });
    }

    it('fails in seconds, naming HELPER_BOOT_TIMEOUT, when HELPER_ACCEL=kvm and the helper spins silently', async () => {
      const t = await autoSetup('explicit-kvm', 'kvm-hangs-after-probe', { HELPER_ACCEL: 'kvm' });
      const run = await t.create();
      assert.deepEqual(run.helpers, ['kvm']);
      assert.equal(run.output.failure?.kind, 'HelperBootTimeout');
      assert.match(run.output.failure!.message, /no sign of life within HELPER_BOOT_TIMEOUT \(2 s\) under KVM: .*set HELPER_ACCEL to auto/);
      assert.ok(run.seconds < 10, `${run.seconds} s`);
    });
  });

  it('leaves no helper running when killed with SIGKILL, and the next create removes its work directory', async () => {
    const t = await setup('killed', 'hang', { HELPER_SOFT_TIMEOUT: '600' });
    const create = spawn(process.execPath, ['--import', 'tsx', resolve('test/fixtures/create-until-killed.ts'), JSON.stringify(t.env)], { stdio: ['ignore', 'pipe', 'inherit'] });
    // The stand-in starts its task, then hangs: the helper is running.
    await new Promise<void>((resolveStarted, rejectStarted) => {
      let seen = '';
      create.stdout.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        if (seen.includes('"task-start"')) resolveStarted();
      });
      create.once('exit', () => rejectStarted(new Error(`create ended before its helper started a task:\n${seen}`)));
    });
    const workDirs = (await readdir(tmpdir())).filter((n) => n.startsWith(workDirPrefix('create', create.pid!)));
    assert.equal(workDirs.length, 1, 'the killed create had its work directory');
    create.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 500));
    const helpers = [];
    for (const pid of (await readdir('/proc')).filter((p) => /^\d+$/.test(p))) {
      const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
      if (cmdline.includes(STAND_IN) && cmdline.includes(t.run)) helpers.push(pid);
    }
    assert.deepEqual(helpers, [], 'no helper outlived create');
    const next = await setup('after-killed', 'success');
    const { output } = await deploy(next.env, { log: createLogger('silent'), stdout: next.sink as never });
    assert.equal(output.ok, true);
    await assert.rejects(stat(join(tmpdir(), workDirs[0]!)), { code: 'ENOENT' }, 'the secrets it held are gone');
  });

  it('rejects a missing image with a clear message, before touching the disk', async () => {
    const t = await setup('missing', 'success');
    const { output } = await deploy({ ...t.env, OSP_IMG_ID: 'no-such.img' }, { log: createLogger('silent'), stdout: t.sink as never });
    assert.equal(output.ok, false);
    assert.equal(output.failure?.step, 'selectingBackends');
    assert.match(output.failure!.message, /no-such\.img/);
    const messages = monitorMessages(t.stdout);
    assert.equal(messages.at(-1)?.type, 'image-error');
    assert.match(String((messages.at(-1)?.messages as string[])[0]), /no-such\.img/);
    const disk = await readFile(t.disk);
    assert.ok(disk.every((b) => b === 0), 'the disk is untouched');
  });
});
