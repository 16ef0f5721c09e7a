// What the benchmark cases share: the cached random image, preallocated disks,
// the bundled copy child and dropping the page cache.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const WORK_DIR = '/var/tmp/snf-image-bench';
export const IMAGE_NAME = 'random-1GiB.img';
export const IMAGE_BYTES = 1024 * 1024 * 1024;
/** The disks are a little bigger than the image, as instance disks are. */
const DISK_BYTES = IMAGE_BYTES + 64 * 1024 * 1024;
export const RSS_LIMIT_MIB = 100;

export interface Measurement {
  readonly megabytesPerSecond: number;
  /** The whole copy, wall clock. */
  readonly seconds?: number;
  readonly peakRssMiB?: number;
}

/** Random data, so no layer can shortcut zeros; made once and kept in /var/tmp. */
export function randomImage(): string {
  mkdirSync(WORK_DIR, { recursive: true });
  const path = join(WORK_DIR, IMAGE_NAME);
  if (existsSync(path) && statSync(path).size === IMAGE_BYTES) return path;
  console.log(`generating ${path} (once)`);
  const chunk = Buffer.alloc(4 * 1024 * 1024);
  const fd = openSync(`${path}.partial`, 'w');
  try {
    for (let written = 0; written < IMAGE_BYTES; written += chunk.length) writeSync(fd, randomFillSync(chunk));
  } finally {
    closeSync(fd);
  }
  execFileSync('mv', [`${path}.partial`, path]);
  return path;
}

/** A target made as Ganeti makes file disks: full size, allocated, never truncated by a copy. */
export function preallocatedDisk(name: string, bytes = DISK_BYTES): string {
  const path = join(WORK_DIR, name);
  if (!existsSync(path) || statSync(path).size !== bytes) {
    execFileSync('rm', ['-f', path]);
    execFileSync('fallocate', ['-l', String(bytes), path]);
  }
  return path;
}

/** Wall-clock seconds of a shell command, page cache dropped first. */
export function timeShell(command: string): number {
  dropCaches();
  const started = performance.now();
  execFileSync('sh', ['-c', command]);
  return (performance.now() - started) / 1000;
}

/**
 * bench/copy-child.ts bundled with esbuild, so it runs on plain node without
 * the TypeScript loader and its peak RSS is what the copy costs in the
 * shipped program.
 */
export async function bundledCopyChild(): Promise<string> {
  const child = join(WORK_DIR, 'copy-child.mjs');
  await build({
    entryPoints: [fileURLToPath(new URL('./copy-child.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: child,
    logLevel: 'warning',
  });
  return child;
}

/** One copyImage in the child; its own time, which leaves out Node's start-up as dd's leaves out nothing worth counting. */
export function runCopyChild(child: string, imageId: string, source: string, target: string, format = 'diskdump', imageDir = WORK_DIR): Measurement {
  dropCaches();
  const result = spawnSync(process.execPath, [child, imageDir, imageId, source, target, format], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`copy-child failed: ${result.stderr}`);
  const summary = JSON.parse(result.stdout) as { megabytesPerSecond: number; wallSeconds: number; peakRssKiB: number };
  return { megabytesPerSecond: summary.megabytesPerSecond, seconds: summary.wallSeconds, peakRssMiB: summary.peakRssKiB / 1024 };
}

/** Wall-clock throughput of a shell pipeline copying the 1 GiB image. */
export function runShell(command: string): Measurement {
  dropCaches();
  const started = performance.now();
  execFileSync('sh', ['-c', command]);
  return { megabytesPerSecond: IMAGE_BYTES / 1e6 / ((performance.now() - started) / 1000) };
}

/** Also syncs first, so no run pays for the writeback another left behind. */
export function dropCaches(): void {
  execFileSync('sync');
  writeFileSync('/proc/sys/vm/drop_caches', '3');
}

/** The median; of an even count, the mean of the two middle values. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function ratio(ours: number, theirs: number): string {
  return `${(ours / theirs).toFixed(2)}x${ours >= theirs ? '' : ' (below)'}`;
}

export function rss(mib: number): string {
  return `${mib.toFixed(1)} MiB${mib < RSS_LIMIT_MIB ? '' : ' (over limit)'}`;
}
