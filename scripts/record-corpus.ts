/**
 * Records the trace corpus under test/corpus/ from real runs: `create` through
 * the real helper VM (qemu, TCG) on the Debian guest fixture, one run per
 * scenario, each trace gzipped as test/corpus/SCENARIO.jsonl.gz.
 * test/corpus/corpus.test.ts replays every file on every run of the suite.
 *
 *   node --import tsx scripts/record-corpus.ts [SCENARIO...]
 *
 * Needs root (the guest fixture is built with debootstrap). Run it again when
 * a change to a machine or a port makes the recorded traces diverge: the
 * corpus then records the new behaviour, and the diff shows what changed.
 */
import { copyFile, mkdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { debianGuestImage } from './fixtures/debian-guest-image.ts';
import { oneDiskCreateEnvironment, writeConfigFile } from '../src/demo/create-environment.ts';
import { deploy } from '../src/ganeti/create.ts';
import { resizeEnvironment } from '../src/ganeti/import-resize.ts';
import { ensureHelperImage } from '../src/helper-image/build.ts';
import { createLogger } from '../src/log.ts';

const GiB = 1024 ** 3;
const CORPUS = join(import.meta.dirname, '..', 'test', 'corpus');
/** A fixed place, so that the paths the traces hold stay the same from one recording to the next. */
const WORK = '/var/tmp/snf-image-corpus';
const LINUX = JSON.stringify({ OSFAMILY: 'linux', ROOT_PARTITION: '1' });

interface Scenario {
  /** What the run shows, and what corpus.test.ts checks of its outcome. */
  readonly expect: 'ok' | 'task-failed' | 'timeout';
  readonly config?: Readonly<Record<string, string>>;
  readonly parameters: Readonly<Record<string, string>>;
  /** The disk holds the image already and create only grows it, as import does with IMPORT_RESIZE. */
  readonly importResize?: boolean;
}

const QEMU_WITH_HANGING_KVM = join(import.meta.dirname, 'fixtures', 'qemu-with-hanging-kvm.sh');

const SCENARIOS: Record<string, Scenario> = {
  success: {
    expect: 'ok',
    parameters: { OSP_IMG_PROPERTIES: LINUX, OSP_IMG_PASSWD: 'corpus pass phrase' },
  },
  'task-failure': {
    expect: 'task-failed',
    parameters: {
      OSP_IMG_PROPERTIES: LINUX,
      OSP_IMG_PERSONALITY: JSON.stringify([{ path: '/etc/motd', contents: 'aGk=', owner: 'nosuchuser', group: 'root', mode: 420 }]),
    },
  },
  timeout: {
    expect: 'timeout',
    config: { HELPER_SOFT_TIMEOUT: '2', HELPER_HARD_TIMEOUT: '1' },
    parameters: { OSP_IMG_PROPERTIES: LINUX },
  },
  'import-resize': {
    expect: 'ok',
    importResize: true,
    parameters: { OSP_IMG_PROPERTIES: LINUX },
  },
  // HELPER_ACCEL=auto on a node whose KVM passes the probe, then reports an internal error: the helper starts again under TCG.
  'accelerator-fallback': {
    expect: 'ok',
    config: { HELPER_ACCEL: 'auto', QEMU: QEMU_WITH_HANGING_KVM },
    parameters: { OSP_IMG_PROPERTIES: LINUX },
  },
};

async function record(name: string, scenario: Scenario, helperDir: string, image: string): Promise<void> {
  const dir = join(WORK, name);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  try {
    const disk = join(dir, 'disk0');
    if (scenario.importResize) await copyFile(image, disk);
    else await writeFile(disk, '');
    await truncate(disk, 4 * GiB);
    const configFile = join(dir, 'snf-image.conf');
    const traces = join(dir, 'traces');
    await writeConfigFile(configFile, {
      IMAGE_DIR: dirname(image),
      HELPER_DIR: helperDir,
      HELPER_ACCEL: 'tcg',
      TRACE_DIR: traces,
      HELPER_SOFT_TIMEOUT: '600',
      ...scenario.config,
    });
    const env = oneDiskCreateEnvironment({
      name: `${name}.example.org`,
      disk,
      mac: 'aa:00:00:c0:de:01',
      configFile,
      parameters: { OSP_IMG_ID: basename(image), OSP_IMG_FORMAT: 'diskdump', ...scenario.parameters },
    });
    const { output, tracePath } = await deploy(scenario.importResize ? resizeEnvironment(env) : env, {
      log: createLogger('warn'),
      // A verdict of its own, so that every recording probes and falls back afresh.
      acceleratorChoice: { cacheDir: join(dir, 'accelerator') },
      stdout: new Writable({ write: (_chunk, _encoding, done) => done() }) as never,
    });
    const outcome = output.ok ? 'ok' : output.failure?.kind === 'HelperTimeout' ? 'timeout' : 'task-failed';
    if (outcome !== scenario.expect) throw new Error(`${name}: the run ended ${outcome} (${output.failure?.message ?? 'no failure'}), not ${scenario.expect}`);
    if (!tracePath) throw new Error(`${name}: the run wrote no trace`);
    const file = join(CORPUS, `${name}.jsonl.gz`);
    await writeFile(file, gzipSync(await readFile(tracePath), { level: 9 }));
    process.stdout.write(`${file}\n`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !(name in SCENARIOS));
if (unknown.length > 0) throw new Error(`no scenario named ${unknown.join(', ')}; the scenarios are ${Object.keys(SCENARIOS).join(', ')}`);
const helperDir = await ensureHelperImage({ log: createLogger('info') });
const image = await debianGuestImage();
await mkdir(CORPUS, { recursive: true });
for (const [name, scenario] of Object.entries(SCENARIOS)) {
  if (wanted.length === 0 || wanted.includes(name)) await record(name, scenario, helperDir, image);
}
