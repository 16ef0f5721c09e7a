// The accelerator benchmark: the whole `create` of the Debian 12 fixture with
// HELPER_ACCEL=tcg against HELPER_ACCEL=auto in the same run, auto both the
// first time on a node (the probe runs) and after (its verdict is kept), and
// the probe's own first-time cost. Where KVM is broken auto must stay close to
// tcg: no more than TARGET_RATIO times it.
import { mkdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { debianGuestImage } from '../scripts/fixtures/debian-guest-image.ts';
import { readTraceFile } from '../src/effects/trace.ts';
import { ensureHelperImage } from '../src/helper-image/build.ts';
import { oneDiskCreateEnvironment, writeConfigFile } from '../src/demo/create-environment.ts';
import { deploy } from '../src/ganeti/create.ts';
import { createAcceleratorChoice, DEFAULT_ACCELERATOR_CHOICE } from '../src/host/helper-vm/accelerator-choice.ts';
import { createLogger } from '../src/log.ts';
import { WORK_DIR } from './bench-support.ts';

const TARGET_RATIO = 1.2;
const ROUNDS = Number(process.env.SNF_IMAGE_BENCH_ROUNDS ?? 1);

export async function run(): Promise<void> {
  const log = createLogger('warn');
  const helperDir = await ensureHelperImage({ log });
  const image = await debianGuestImage();
  const dir = join(WORK_DIR, 'accelerator');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });

  const probeCache = join(dir, 'probe-cache');
  const question = { setting: 'auto' as const, qemu: ['qemu-system-x86_64'], machine: 'microvm' as const, helperDir, memoryMiB: 512 };
  const choice = createAcceleratorChoice({ ...DEFAULT_ACCELERATOR_CHOICE, cacheDir: probeCache }, log);
  const first = await choice.chooseAccelerator(question);
  const cachedStart = performance.now();
  await choice.chooseAccelerator(question);
  const cachedMs = performance.now() - cachedStart;
  console.log(`accelerator probe, first time on this node: ${first.probeMs === undefined ? 'not run' : `${(first.probeMs / 1000).toFixed(2)} s`} -> ${first.accelerator} (${first.reason})`);
  console.log(`accelerator choice with the verdict kept: ${cachedMs.toFixed(1)} ms`);

  const create = async (name: string, accel: 'tcg' | 'auto', cacheDir: string) => {
    const run = join(dir, name);
    mkdirSync(join(run, 'traces'), { recursive: true });
    const disk = join(run, 'disk0');
    writeFileSync(disk, '');
    truncateSync(disk, 4 * 1024 ** 3);
    const config = join(run, 'snf-image.conf');
    await writeConfigFile(config, { IMAGE_DIR: dirname(image), HELPER_DIR: helperDir, TRACE_DIR: join(run, 'traces'), HELPER_SOFT_TIMEOUT: '600', HELPER_ACCEL: accel });
    const started = performance.now();
    const { output, tracePath } = await deploy(
      oneDiskCreateEnvironment({
        name: `${name}.example.org`,
        disk,
        mac: 'aa:00:00:be:0c:02',
        configFile: config,
        parameters: {
          OSP_IMG_ID: basename(image),
          OSP_IMG_FORMAT: 'diskdump',
          OSP_IMG_PASSWD: 'bench password',
          OSP_IMG_PROPERTIES: JSON.stringify({ OSFAMILY: 'linux', ROOT_PARTITION: '1', SWAP: '2:256' }),
        },
      }),
      { log, stdout: process.stderr, acceleratorChoice: { cacheDir } },
    );
    const seconds = (performance.now() - started) / 1000;
    if (!output.ok || !tracePath) throw new Error(`the ${accel} deployment failed: ${output.failure?.message}`);
    const helpers = readTraceFile(tracePath).flatMap((e) => (e.kind === 'effect.call' && e.effect === 'runHelper' ? [(e.input as { accelerator: string }).accelerator] : []));
    rmSync(run, { recursive: true, force: true });
    return { seconds, helpers };
  };

  console.log('snf-image create, Debian 12 fixture (1.5 GiB) onto a 4 GiB file disk, whole create:');
  for (let round = 1; round <= ROUNDS; round++) {
    const fresh = join(dir, `cache-${round}`);
    const tcg = await create(`tcg-${round}`, 'tcg', fresh);
    const autoFirst = await create(`auto-first-${round}`, 'auto', fresh);
    const autoKept = await create(`auto-kept-${round}`, 'auto', fresh);
    const line = (label: string, r: { seconds: number; helpers: string[] }) =>
      console.log(`  ${label.padEnd(36)} ${r.seconds.toFixed(2)} s  (helper under ${r.helpers.join(' then ')})${r === tcg ? '' : `  ${(r.seconds / tcg.seconds).toFixed(2)}x tcg`}`);
    line(`round ${round}: tcg`, tcg);
    line(`round ${round}: auto, first on the node`, autoFirst);
    line(`round ${round}: auto, verdict kept`, autoKept);
    const worst = Math.max(autoFirst.seconds, autoKept.seconds) / tcg.seconds;
    console.log(`  auto / tcg, worst of the two = ${worst.toFixed(2)}x (target <= ${TARGET_RATIO}x): ${worst <= TARGET_RATIO ? 'met' : 'NOT met'}`);
  }
}
