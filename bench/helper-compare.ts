// Two or more helper images side by side: the deploy case's deployment with
// each HELPER_DIR of SNF_IMAGE_BENCH_HELPER_DIRS (colon-separated) in turn,
// round after round (SNF_IMAGE_BENCH_ROUNDS, default 3), so that each image
// sees the same machine load. The machine is shared and its load swings:
// only numbers from the same run compare.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { debianGuestImage } from '../scripts/fixtures/debian-guest-image.ts';
import { phaseTimes } from '../src/host/phase-times.ts';
import { median, WORK_DIR } from './bench-support.ts';
import { deployFixture, helperEdges, helperPhaseSeconds, type FixtureDeployment } from './deploy.ts';

interface Sample {
  readonly boot: number;
  readonly tasks: Readonly<Record<string, number>>;
  readonly shutdown: number;
  readonly helper: number;
  /** CPU seconds of the deployment's child processes, qemu's above all: steadier than wall-clock time on a busy machine. */
  readonly childCpu: number;
}

/** Clock ticks a second of /proc/self/stat's times (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

/** CPU seconds (user and system) of the child processes this process has waited for, from /proc/self/stat. */
function childCpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  // The fields after the command's closing parenthesis start at field 3; cutime and cstime are fields 16 and 17.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / USER_HZ;
}

/** One side of a comparison: a name for its column, the HELPER_DIR and what else the deployment varies. */
export interface Variant {
  readonly label: string;
  readonly helperDir: string;
  readonly options?: FixtureDeployment;
}

export async function run(): Promise<void> {
  const helperDirs = (process.env.SNF_IMAGE_BENCH_HELPER_DIRS ?? '').split(':').filter((dir) => dir !== '');
  if (helperDirs.length < 2) {
    console.log('helper-compare: set SNF_IMAGE_BENCH_HELPER_DIRS to two or more HELPER_DIRs, colon-separated');
    return;
  }
  await compareDeployments(helperDirs.map((helperDir) => ({ label: helperDir.split('/').at(-1)!, helperDir })), 'helper-compare');
}

/**
 * Deploys the fixture with each variant in turn, SNF_IMAGE_BENCH_ROUNDS
 * rounds (default 3), in WORK_DIR/`workName` (one per case: two cases may
 * run at once), and prints every round and the medians of each helper
 * phase and task per variant, side by side.
 */
export async function compareDeployments(variants: readonly Variant[], workName: string): Promise<void> {
  const rounds = Number(process.env.SNF_IMAGE_BENCH_ROUNDS ?? 3);
  const image = await debianGuestImage();
  const samples = new Map<Variant, Sample[]>(variants.map((variant) => [variant, []]));
  const loads: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    for (const variant of variants) {
      const cpuBefore = childCpuSeconds();
      const trace = await deployFixture(image, variant.helperDir, join(WORK_DIR, workName), variant.options);
      const childCpu = childCpuSeconds() - cpuBefore;
      const { bootSeconds, shutdownSeconds } = helperEdges(trace);
      const tasks = Object.fromEntries(phaseTimes(trace).filter(({ phase }) => phase.startsWith('task ')).map(({ phase, ms }) => [phase.slice(5), ms / 1000]));
      const sample = { boot: bootSeconds, tasks, shutdown: shutdownSeconds, helper: helperPhaseSeconds(trace), childCpu };
      samples.get(variant)!.push(sample);
      loads.push(loadavg()[0]!);
      console.log(`round ${round} ${variant.label}: start to first task ${sample.boot.toFixed(2)} s, helper phase ${sample.helper.toFixed(2)} s, child CPU ${childCpu.toFixed(2)} s, load ${loads.at(-1)!.toFixed(1)}`);
    }
  }
  console.log(`medians of ${rounds} rounds (load average ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)}):`);
  const taskNames = [...new Set([...samples.values()].flatMap((list) => list.flatMap((s) => Object.keys(s.tasks))))];
  const rows: [string, (s: Sample) => number][] = [
    ['VM start to first task', (s) => s.boot],
    ...taskNames.map((name): [string, (s: Sample) => number] => [name, (s) => s.tasks[name] ?? 0]),
    ['last task to VM exit', (s) => s.shutdown],
    ['whole helper phase', (s) => s.helper],
    ['CPU of child processes (qemu, tools)', (s) => s.childCpu],
  ];
  console.log(`  ${''.padEnd(34)} ${variants.map((variant) => variant.label.padStart(18)).join(' ')}`);
  for (const [label, value] of rows) {
    console.log(`  ${label.padEnd(34)} ${variants.map((variant) => `${median(samples.get(variant)!.map(value)).toFixed(2)} s`.padStart(18)).join(' ')}`);
  }
}
