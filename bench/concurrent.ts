// Concurrent creates: one create of the Debian 12 fixture alone, then four at
// once on four file disks, each through the real helper VM under TCG, started
// as Ganeti starts create (test/ganeti/support/concurrent-creates.ts, which
// the concurrency test checks for success and separation). Prints wall time
// and peak memory (VmHWM of the create process and of its qemu) side by side.
import { rm } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { debianGuestImage } from '../scripts/fixtures/debian-guest-image.ts';
import { ensureHelperImage } from '../src/helper-image/build.ts';
import { createLogger } from '../src/log.ts';
import { runConcurrentCreates, type CreateMeasurement } from '../test/ganeti/support/concurrent-creates.ts';
import { median, WORK_DIR } from './bench-support.ts';

export async function run(): Promise<void> {
  const helperDir = await ensureHelperImage({ log: createLogger('warn') });
  const image = await debianGuestImage();
  const batch = async (count: number) => {
    const load = loadavg()[0]!;
    const started = performance.now();
    const creates = await runConcurrentCreates({ dir: join(WORK_DIR, 'concurrent', String(count)), image, helperDir, count });
    const failed = creates.filter((c) => c.exit.code !== 0);
    if (failed.length > 0) throw new Error(`${failed.length} of ${count} creates failed:\n${failed[0]!.exit.stderr.slice(-2000)}`);
    return { creates, wallSeconds: (performance.now() - started) / 1000, load: `${load.toFixed(1)} -> ${loadavg()[0]!.toFixed(1)}` };
  };
  const one = await batch(1);
  const four = await batch(4);
  // Four disks of the fixture's size: not worth keeping between runs.
  await rm(join(WORK_DIR, 'concurrent'), { recursive: true, force: true });

  console.log('snf-image create, Debian 12 fixture onto file disks, real helper VM under TCG (HELPER_MEMORY 512 MiB)');
  console.log(`load average (1 min) over the batch: one ${one.load}, four ${four.load}`);
  const rows: [string, string, string][] = [
    ['whole batch, wall clock', seconds(one.wallSeconds), `${seconds(four.wallSeconds)} (${(four.wallSeconds / one.wallSeconds).toFixed(2)}x one)`],
    ['per create, wall clock', seconds(one.creates[0]!.wallSeconds), spread(four.creates, (c) => c.wallSeconds, seconds)],
    ['per create, peak RSS of create', mib(one.creates[0]!.peakRssKiB.create), spread(four.creates, (c) => c.peakRssKiB.create, mib)],
    ['per create, peak RSS of its qemu', mib(one.creates[0]!.peakRssKiB.qemu), spread(four.creates, (c) => c.peakRssKiB.qemu, mib)],
    ['all creates, sum of peaks', mib(total(one.creates)), mib(total(four.creates))],
  ];
  console.log(`  ${''.padEnd(34)} ${'one alone'.padEnd(12)} four at once (median, min-max)`);
  for (const [what, alone, together] of rows) console.log(`  ${what.padEnd(34)} ${alone.padEnd(12)} ${together}`);
}

const seconds = (s: number) => `${s.toFixed(1)} s`;
const mib = (kib: number) => `${(kib / 1024).toFixed(0)} MiB`;
const total = (creates: readonly CreateMeasurement[]) => creates.reduce((sum, c) => sum + c.peakRssKiB.create + c.peakRssKiB.qemu, 0);

function spread(creates: readonly CreateMeasurement[], value: (c: CreateMeasurement) => number, show: (v: number) => string): string {
  const values = creates.map(value);
  return `${show(median(values))} (${show(Math.min(...values))}-${show(Math.max(...values))})`;
}
