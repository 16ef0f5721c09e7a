// The accelerator benchmark: the whole `create` of the Debian 12 fixture with
// HELPER_ACCEL=tcg against HELPER_ACCEL=auto in the same run, auto both the
// first time on a node (the probe runs) and after (its verdict is kept), and
// the probe's own first-time cost. Where KVM is broken auto must stay close to
// tcg: no more than TARGET_RATIO times it.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { debianGuestImage } from '../scripts/fixtures/debian-guest-image.ts';
import { ensureHelperImage } from '../src/helper-image/build.ts';
import { createAcceleratorChoice, DEFAULT_ACCELERATOR_CHOICE } from '../src/host/helper-vm/accelerator-choice.ts';
import { createLogger } from '../src/log.ts';
import { WORK_DIR } from './bench-support.ts';
import { deployFixture } from './deploy.ts';

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

  const create = async (name: string, accelerator: 'tcg' | 'auto', acceleratorCacheDir: string) => {
    const run = join(dir, name);
    const started = performance.now();
    const trace = await deployFixture(image, helperDir, run, { accelerator, acceleratorCacheDir });
    const seconds = (performance.now() - started) / 1000;
    const helpers = trace.flatMap((e) => (e.kind === 'effect.call' && e.effect === 'runHelper' ? [(e.input as { accelerator: string }).accelerator] : []));
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
