// The deployment benchmark: the Debian 12 fixture deployed by `create` through
// the real helper VM, with the time of every phase (copy, config device, VM
// start to the first task, each task, shutdown), and virt-customize making
// the same hostname and root-password change on a copy of the same image in
// the same run (bench/virt-customize.ts).
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { debianGuestImage } from '../scripts/fixtures/debian-guest-image.ts';
import { readTraceFile, type TraceEvent } from '../src/effects/trace.ts';
import { ensureHelperImage } from '../src/helper-image/build.ts';
import { oneDiskCreateEnvironment, writeConfigFile } from '../src/demo/create-environment.ts';
import { deploy } from '../src/ganeti/create.ts';
import { phaseTimes } from '../src/host/phase-times.ts';
import { createLogger } from '../src/log.ts';
import { median, WORK_DIR } from './bench-support.ts';
import { virtCustomizeRunner } from './virt-customize.ts';

const TARGET_RATIO = 0.25;

/** Rounds, each one deployment and one virt-customize run, alternated so that both see the same load. */
const ROUNDS = Number(process.env.SNF_IMAGE_BENCH_ROUNDS ?? 3);

interface Round {
  readonly trace: TraceEvent[];
  readonly helperSeconds: number;
  readonly peerSeconds: number | undefined;
}

export async function run(): Promise<void> {
  const log = createLogger('warn');
  const helperDir = await ensureHelperImage({ log });
  const image = await debianGuestImage();
  const peer = await virtCustomizeRunner(image, join(WORK_DIR, 'virt-customize'));
  if (typeof peer === 'string') console.log(`virt-customize: ${peer}`);
  const rounds: Round[] = [];
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      // Each run starts with nothing of the previous one's writes (the image copies) still being written back.
      execFileSync('sync');
      const trace = await deployFixture(image, helperDir, join(WORK_DIR, 'deploy'));
      const helperSeconds = helperPhaseSeconds(trace);
      execFileSync('sync');
      const timed = typeof peer === 'string' ? undefined : await peer.time();
      if (typeof timed === 'string') console.log(`virt-customize: ${timed}`);
      const peerSeconds = typeof timed === 'number' ? timed : undefined;
      const { bootSeconds, shutdownSeconds } = helperEdges(trace);
      console.log(
        `round ${round}: VM start to first task ${bootSeconds.toFixed(2)} s, last task to VM exit ${shutdownSeconds.toFixed(2)} s, helper phase ${helperSeconds.toFixed(2)} s, ` +
          `virt-customize ${peerSeconds?.toFixed(2) ?? '-'} s, load ${loadavg()[0]!.toFixed(1)}`,
      );
      rounds.push({ trace, helperSeconds, peerSeconds });
    }
  } finally {
    if (typeof peer !== 'string') await peer.close();
  }

  // The phases of the round whose helper phase is the median, so that they add up.
  const middle = [...rounds].sort((a, b) => a.helperSeconds - b.helperSeconds)[Math.floor(rounds.length / 2)]!;
  console.log(`snf-image create, Debian 12 fixture (1.5 GiB) onto a 4 GiB file disk, helper under TCG (the median of ${rounds.length} rounds):`);
  for (const { phase, ms } of phaseTimes(middle.trace)) console.log(`  ${phase.padEnd(38)} ${(ms / 1000).toFixed(2)} s`);
  const edges = rounds.map((r) => helperEdges(r.trace));
  console.log(`  ${'VM start to first task (median)'.padEnd(38)} ${median(edges.map((e) => e.bootSeconds)).toFixed(2)} s`);
  console.log(`  ${'last task to VM exit (median)'.padEnd(38)} ${median(edges.map((e) => e.shutdownSeconds)).toFixed(2)} s`);
  const helperSeconds = median(rounds.map((r) => r.helperSeconds));
  console.log(`  ${'whole helper phase (median)'.padEnd(38)} ${helperSeconds.toFixed(2)} s`);

  const peerTimes = rounds.flatMap((r) => (r.peerSeconds === undefined ? [] : [r.peerSeconds]));
  if (peerTimes.length === 0) return;
  const peerSeconds = median(peerTimes);
  const ratio = helperSeconds / peerSeconds;
  console.log(`virt-customize --hostname --root-password on the same image (after an untimed warm-up, median): ${peerSeconds.toFixed(2)} s`);
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
