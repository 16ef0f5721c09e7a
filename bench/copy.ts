// The copy benchmark: 1 GiB of random data onto a file disk and onto a loop
// device, our copy against `dd bs=4M oflag=direct conv=notrunc` in the same
// run, page cache dropped before every copy. Our copy ends with fdatasync, so
// dd is also timed with conv=fsync: on a loop device over a cached file dd's
// direct writes only reach the backing file's page cache, and the plain dd
// time leaves that writeback out. Our copy runs as a bundled child process
// (bench/copy-child.ts through esbuild, without the TypeScript loader) so its
// peak RSS is what the copy costs in the shipped program.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, statSync, writeSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const WORK_DIR = '/var/tmp/snf-image-bench';
const IMAGE_NAME = 'random-1GiB.img';
const IMAGE_BYTES = 1024 * 1024 * 1024;
/** The disks are a little bigger than the image, as instance disks are. */
const DISK_BYTES = IMAGE_BYTES + 64 * 1024 * 1024;
const ROUNDS = 3;
const TARGET_RATIO = 1.0;
const RSS_LIMIT_MIB = 100;

interface Measurement {
  readonly megabytesPerSecond: number;
  readonly peakRssMiB?: number;
}

export async function run(): Promise<void> {
  mkdirSync(WORK_DIR, { recursive: true });
  const image = join(WORK_DIR, IMAGE_NAME);
  ensureRandomImage(image);
  const fileDisk = join(WORK_DIR, 'file-target.disk');
  const loopBacking = join(WORK_DIR, 'loop-target.disk');
  for (const disk of [fileDisk, loopBacking]) ensurePreallocatedDisk(disk);

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

  // A loop device over the page cache (losetup's default), and one with
  // direct I/O, which behaves like a real disk (LVM, DRBD): nothing stays dirty.
  const loopDevice = execFileSync('losetup', ['-f', '--show', loopBacking], { encoding: 'utf8' }).trim();
  try {
    const rows = [
      { target: 'file', ...compare(image, fileDisk, child) },
      { target: `loop device`, ...compare(image, loopDevice, child) },
    ];
    execFileSync('losetup', ['--direct-io=on', loopDevice]);
    rows.push({ target: 'loop device, direct-io=on', ...compare(image, loopDevice, child) });
    console.log(`1 GiB random image, ${ROUNDS} rounds each, median MB/s (page cache dropped before every copy)`);
    console.log(['target', 'dd', 'dd conv=fsync', 'copyImage', 'vs dd', 'vs dd conv=fsync', 'copyImage peak RSS'].join(' | '));
    const ratio = (ours: number, theirs: number) => `${(ours / theirs).toFixed(2)}x${ours / theirs >= TARGET_RATIO ? '' : ' (below)'}`;
    for (const row of rows) {
      console.log(
        [row.target, row.dd.toFixed(0), row.ddFsync.toFixed(0), row.ours.toFixed(0), ratio(row.ours, row.dd), ratio(row.ours, row.ddFsync),
          `${row.peakRssMiB.toFixed(1)} MiB${row.peakRssMiB < RSS_LIMIT_MIB ? '' : ' (over limit)'}`].join(' | '),
      );
    }
  } finally {
    execFileSync('losetup', ['-d', loopDevice]);
  }
}

/** Alternates the methods so drift on the machine hits all alike. */
function compare(image: string, target: string, child: string): { dd: number; ddFsync: number; ours: number; peakRssMiB: number } {
  const dd: Measurement[] = [];
  const ddFsync: Measurement[] = [];
  const ours: Measurement[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    dd.push(runDd(image, target, 'notrunc'));
    ddFsync.push(runDd(image, target, 'notrunc,fsync'));
    ours.push(runCopyImage(target, child));
  }
  return {
    dd: median(dd.map((m) => m.megabytesPerSecond)),
    ddFsync: median(ddFsync.map((m) => m.megabytesPerSecond)),
    ours: median(ours.map((m) => m.megabytesPerSecond)),
    peakRssMiB: Math.max(...ours.map((m) => m.peakRssMiB ?? 0)),
  };
}

function runDd(image: string, target: string, conv: string): Measurement {
  dropCaches();
  const started = performance.now();
  execFileSync('dd', [`if=${image}`, `of=${target}`, 'bs=4M', 'oflag=direct', `conv=${conv}`, 'status=none']);
  return { megabytesPerSecond: IMAGE_BYTES / 1e6 / ((performance.now() - started) / 1000) };
}

/** The copy's own time (it excludes Node's start-up, as dd's has none worth counting). */
function runCopyImage(target: string, child: string): Measurement {
  dropCaches();
  const result = spawnSync(process.execPath, [child, WORK_DIR, IMAGE_NAME, target], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`copy-child failed: ${result.stderr}`);
  const summary = JSON.parse(result.stdout) as { megabytesPerSecond: number; peakRssKiB: number };
  return { megabytesPerSecond: summary.megabytesPerSecond, peakRssMiB: summary.peakRssKiB / 1024 };
}

/** Also syncs first, so no run pays for the writeback another left behind. */
function dropCaches(): void {
  execFileSync('sync');
  writeFileSync('/proc/sys/vm/drop_caches', '3');
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Random data, so no layer can shortcut zeros; made once and kept in /var/tmp. */
function ensureRandomImage(path: string): void {
  if (existsSync(path) && statSync(path).size === IMAGE_BYTES) return;
  console.log(`generating ${path} (once)`);
  const chunk = Buffer.alloc(4 * 1024 * 1024);
  const fd = openSync(`${path}.partial`, 'w');
  try {
    for (let written = 0; written < IMAGE_BYTES; written += chunk.length) writeSync(fd, randomFillSync(chunk));
  } finally {
    closeSync(fd);
  }
  execFileSync('mv', [`${path}.partial`, path]);
}

/** A target made as Ganeti makes file disks: full size, allocated, never truncated by a copy. */
function ensurePreallocatedDisk(path: string): void {
  if (existsSync(path) && statSync(path).size === DISK_BYTES) return;
  execFileSync('fallocate', ['-l', String(DISK_BYTES), path]);
}
