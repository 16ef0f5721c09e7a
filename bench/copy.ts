// The copy benchmark: 1 GiB of random data onto a file disk and onto a loop
// device, our copy against `dd bs=4M oflag=direct conv=notrunc` in the same
// run, page cache dropped before every copy. Our copy ends with fdatasync, so
// dd is also timed with conv=fsync: on a loop device over a cached file dd's
// direct writes only reach the backing file's page cache, and the plain dd
// time leaves that writeback out.
import { execFileSync } from 'node:child_process';
import { bundledCopyChild, IMAGE_NAME, median, preallocatedDisk, randomImage, ratio, rss, runCopyChild, runShell, type Measurement } from './bench-support.ts';

const ROUNDS = 3;

export async function run(): Promise<void> {
  const image = randomImage();
  const fileDisk = preallocatedDisk('file-target.disk');
  const child = await bundledCopyChild();
  // A loop device over the page cache (losetup's default), and one with
  // direct I/O, which behaves like a real disk (LVM, DRBD): nothing stays dirty.
  const loopDevice = execFileSync('losetup', ['-f', '--show', preallocatedDisk('loop-target.disk')], { encoding: 'utf8' }).trim();
  try {
    const rows = [
      { target: 'file', ...compare(image, fileDisk, child) },
      { target: 'loop device', ...compare(image, loopDevice, child) },
    ];
    execFileSync('losetup', ['--direct-io=on', loopDevice]);
    rows.push({ target: 'loop device, direct-io=on', ...compare(image, loopDevice, child) });
    console.log(`1 GiB random image from a local file, ${ROUNDS} rounds each, median MB/s (page cache dropped before every copy)`);
    console.log(['target', 'dd', 'dd conv=fsync', 'copyImage', 'vs dd', 'vs dd conv=fsync', 'copyImage peak RSS'].join(' | '));
    for (const row of rows) {
      console.log(
        [row.target, row.dd.toFixed(0), row.ddFsync.toFixed(0), row.ours.toFixed(0), ratio(row.ours, row.dd), ratio(row.ours, row.ddFsync), rss(row.peakRssMiB)].join(' | '),
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
    dd.push(runShell(`dd if=${image} of=${target} bs=4M oflag=direct conv=notrunc status=none`));
    ddFsync.push(runShell(`dd if=${image} of=${target} bs=4M oflag=direct conv=notrunc,fsync status=none`));
    ours.push(runCopyChild(child, `local://${IMAGE_NAME}`, 'local', target));
  }
  return {
    dd: median(dd.map((m) => m.megabytesPerSecond)),
    ddFsync: median(ddFsync.map((m) => m.megabytesPerSecond)),
    ours: median(ours.map((m) => m.megabytesPerSecond)),
    peakRssMiB: Math.max(...ours.map((m) => m.peakRssMiB ?? 0)),
  };
}
