// The deployment benchmark: the Debian 12 fixture deployed by `create` through
// the real helper VM, with the time of every phase (copy, config device, VM
// start to the first task, each task, shutdown), and virt-customize making
// the same hostname and root-password change on a copy of the same image in
// the same run (bench/virt-customize.ts).
import { mkdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { debianGuestImage } from '../scripts/fixtures/debian-guest-image.ts';
import { readTraceFile, type TraceEvent } from '../src/effects/trace.ts';
import { ensureHelperImage } from '../src/helper-image/build.ts';
import { oneDiskCreateEnvironment, writeConfigFile } from '../src/demo/create-environment.ts';
import { deploy } from '../src/ganeti/create.ts';
import { phaseTimes } from '../src/host/phase-times.ts';
import { createLogger } from '../src/log.ts';
import { WORK_DIR } from './bench-support.ts';
import { virtCustomizeSeconds } from './virt-customize.ts';

const TARGET_RATIO = 0.25;

export async function run(): Promise<void> {
  const log = createLogger('warn');
  const helperDir = await ensureHelperImage({ log });
  const image = await debianGuestImage();
  const dir = join(WORK_DIR, 'deploy');
  const trace = await deployFixture(image, helperDir, dir);
  const helperSeconds = helperPhaseSeconds(trace);
  console.log('snf-image create, Debian 12 fixture (1.5 GiB) onto a 4 GiB file disk, helper under TCG:');
  for (const { phase, ms } of phaseTimes(trace)) console.log(`  ${phase.padEnd(38)} ${(ms / 1000).toFixed(2)} s`);
  const { bootSeconds, shutdownSeconds } = helperEdges(trace);
  console.log(`  ${'VM start to first task'.padEnd(38)} ${bootSeconds.toFixed(2)} s`);
  console.log(`  ${'last task to VM exit'.padEnd(38)} ${shutdownSeconds.toFixed(2)} s`);
  console.log(`  ${'whole helper phase'.padEnd(38)} ${helperSeconds.toFixed(2)} s`);

  const peer = await virtCustomizeSeconds(image, dir);
  if (typeof peer === 'string') {
    console.log(`virt-customize: ${peer}`);
    return;
  }
  const ratio = helperSeconds / peer;
  console.log(`virt-customize --hostname --root-password on the same image (run after an untimed warm-up): ${peer.toFixed(2)} s`);
  console.log(`helper phase / virt-customize = ${ratio.toFixed(2)}x (target <= ${TARGET_RATIO}x): ${ratio <= TARGET_RATIO ? 'met' : 'NOT met'}`);
}

/** What a benchmark varies between deployments of the fixture. */
export interface FixtureDeployment {
  /** HELPER_ACCEL; the configuration's default when absent. */
  readonly accelerator?: 'auto' | 'kvm' | 'tcg';
  /** Where the accelerator verdicts go, so that a benchmark can start a node afresh. */
  readonly acceleratorCacheDir?: string;
  /** HELPER_SANDBOX; the configuration's default when absent. */
  readonly sandbox?: boolean;
}

/**
 * Deploys the fixture image through `create` with the given HELPER_DIR onto a
 * fresh 4 GiB file disk in `dir` (emptied first), with every Linux task the
 * benchmark's parameters ask for; returns the trace.
 */
export async function deployFixture(image: string, helperDir: string, dir: string, options: FixtureDeployment = {}): Promise<TraceEvent[]> {
  const log = createLogger('warn');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'traces'), { recursive: true });
  const disk = join(dir, 'disk0');
  writeFileSync(disk, '');
  truncateSync(disk, 4 * 1024 ** 3);
  const config = join(dir, 'snf-image.conf');
  await writeConfigFile(config, {
    IMAGE_DIR: dirname(image),
    HELPER_DIR: helperDir,
    TRACE_DIR: join(dir, 'traces'),
    HELPER_SOFT_TIMEOUT: '600',
    ...(options.accelerator ? { HELPER_ACCEL: options.accelerator } : {}),
    ...(options.sandbox !== undefined ? { HELPER_SANDBOX: options.sandbox ? 'yes' : 'no' } : {}),
  });

  const { output, tracePath } = await deploy(
    oneDiskCreateEnvironment({
      name: 'bench.example.org',
      disk,
      mac: 'aa:00:00:be:0c:01',
      configFile: config,
      parameters: {
        OSP_IMG_ID: basename(image),
        OSP_IMG_FORMAT: 'diskdump',
        OSP_IMG_PASSWD: 'bench password',
        OSP_IMG_PROPERTIES: JSON.stringify({ OSFAMILY: 'linux', ROOT_PARTITION: '1', SWAP: '2:256' }),
      },
    }),
    { log, stdout: process.stderr, ...(options.acceleratorCacheDir ? { acceleratorChoice: { cacheDir: options.acceleratorCacheDir } } : {}) },
  );
  if (!output.ok || !tracePath) throw new Error(`the deployment failed: ${output.failure?.message}`);
  return readTraceFile(tracePath);
}

/** From the runHelper call to its result: boot, every task, shutdown. */
export function helperPhaseSeconds(trace: readonly TraceEvent[]): number {
  const call = trace.find((e) => e.kind === 'effect.call' && e.effect === 'runHelper');
  const result = trace.find((e) => e.kind === 'effect.result' && e.effect === 'runHelper');
  return call && result ? (result.at - call.at) / 1000 : NaN;
}

export function helperEdges(trace: readonly TraceEvent[]): { bootSeconds: number; shutdownSeconds: number } {
  const call = trace.find((e) => e.kind === 'effect.call' && e.effect === 'runHelper')!;
  const result = trace.find((e) => e.kind === 'effect.result' && e.effect === 'runHelper')!;
  const tasks = trace.filter((e) => e.kind === 'effect.event' && e.event.type === 'helper.monitor' && (e.event.message as { subtype?: string }).subtype?.startsWith('task-'));
  return { bootSeconds: (tasks[0]!.at - call.at) / 1000, shutdownSeconds: (result.at - tasks.at(-1)!.at) / 1000 };
}
