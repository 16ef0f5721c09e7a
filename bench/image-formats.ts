// The image-format benchmark: the Debian 12 fixture (1.5 GiB raw, about half
// of it zeros) onto a file disk and onto a loop device, in one run:
//   dd bs=4M oflag=direct conv=notrunc,fsync from the local raw file,
//   copyImage from the local raw file (zero runs skipped where the disk reads as zeros),
//   copyImage of the raw, qcow2 and zstd images over HTTP from 127.0.0.1, and of a qcow2 with
//   compressed clusters and a .gz (the two cases where memory once went past 100 MiB),
//   qemu-img convert -n -O raw -t none of the same qcow2 from the local file.
// Every copy ends with the data on the disk (fsync, fdatasync, qemu's flush);
// the page cache is dropped before each, and the methods take turns each round
// so drift on the shared machine hits all alike.
import { spawn, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { debianGuestImage } from '../scripts/fixtures/debian-guest-image.ts';
import { bundledCopyChild, median, preallocatedDisk, rss, runCopyChild, timeShell, WORK_DIR } from './bench-support.ts';

const ROUNDS = 3;
const PORT = 18081;
const IMAGE_DIR = '/var/cache/snf-image';
const CACHE_DIR = join(IMAGE_DIR, 'bench');

interface Method {
  readonly name: string;
  readonly run: (target: string) => { seconds: number; peakRssMiB?: number };
}

export async function run(): Promise<void> {
  const raw = await debianGuestImage();
  const images = derivedImages(raw);
  const served = join(WORK_DIR, 'served');
  rmSync(served, { recursive: true, force: true });
  mkdirSync(served, { recursive: true });
  for (const image of [raw, images.qcow2, images.zst, images.compressedQcow2, images.gz]) symlinkSync(image, join(served, basename(image)));
  const diskBytes = statSync(raw).size + 64 * 1024 * 1024;
  const fileDisk = preallocatedDisk('formats-file.disk', diskBytes);
  const loopDevice = execFileSync('losetup', ['-f', '--show', preallocatedDisk('formats-loop.disk', diskBytes)], { encoding: 'utf8' }).trim();
  const child = await bundledCopyChild();
  const server = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./file-http-server.ts', import.meta.url)), served, String(PORT)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await once(server.stdout, 'data');
    const url = (image: string) => `http://127.0.0.1:${PORT}/${basename(image)}`;
    const ours = (imageId: string, source: string, format: string) => (target: string) => {
      // IMAGE_DIR is the cache both the fixture and its conversions live under.
      const m = runCopyChild(child, imageId, source, target, format, IMAGE_DIR);
      return { seconds: m.seconds!, peakRssMiB: m.peakRssMiB };
    };
    const methods: Method[] = [
      { name: 'dd conv=fsync (local raw)', run: (target) => ({ seconds: timeShell(`dd if=${raw} of=${target} bs=4M oflag=direct conv=notrunc,fsync status=none`) }) },
      { name: 'copyImage, local raw', run: ours(`local://${relative(IMAGE_DIR, raw)}`, 'local', 'diskdump') },
      { name: 'copyImage, raw over HTTP', run: ours(url(raw), 'network', 'diskdump') },
      { name: 'copyImage, qcow2 over HTTP', run: ours(url(images.qcow2), 'network', 'qcow2') },
      { name: 'copyImage, .zst over HTTP', run: ours(url(images.zst), 'network', 'diskdump') },
      { name: 'copyImage, compressed qcow2 over HTTP', run: ours(url(images.compressedQcow2), 'network', 'qcow2') },
      { name: 'copyImage, .gz over HTTP', run: ours(url(images.gz), 'network', 'diskdump') },
      { name: 'copyImage, local qcow2', run: ours(`local://${relative(IMAGE_DIR, images.qcow2)}`, 'local', 'qcow2') },
      // From the local file: Debian's qemu-img reads http only with qemu-block-extra, and a local read is its best case.
      { name: 'qemu-img convert, local qcow2', run: (target) => ({ seconds: timeShell(`qemu-img convert -n -f qcow2 -O raw -t none ${images.qcow2} ${target}`) }) },
    ];
    const sizes = [raw, images.qcow2, images.zst, images.compressedQcow2, images.gz].map((f) => `${basename(f)} ${(statSync(f).size / 2 ** 20).toFixed(0)} MiB`).join(', ');
    console.log(`Debian 12 fixture (${sizes}), ${ROUNDS} rounds each, median seconds, page cache dropped before every copy`);
    for (const [label, target] of [['file disk', fileDisk], ['loop device', loopDevice]] as const) {
      const results = methods.map(() => ({ seconds: [] as number[], peakRssMiB: 0 }));
      for (let round = 0; round < ROUNDS; round++) {
        methods.forEach((method, i) => {
          const m = method.run(target);
          results[i]!.seconds.push(m.seconds);
          results[i]!.peakRssMiB = Math.max(results[i]!.peakRssMiB, m.peakRssMiB ?? 0);
        });
      }
      const time = results.map((r) => median(r.seconds));
      const [dd, localRaw, httpRaw] = time as [number, number, number];
      const qemuImg = time[methods.findIndex((method) => method.name.startsWith('qemu-img'))]!;
      console.log(`\n${label}`);
      console.log(['method', 'seconds', 'MB/s of disk', 'vs dd conv=fsync', 'time vs local raw', 'time vs raw over HTTP', 'vs qemu-img convert', 'peak RSS'].join(' | '));
      methods.forEach((method, i) => {
        const t = time[i]!;
        const ourOwn = method.name.startsWith('copyImage');
        console.log(
          [
            method.name,
            t.toFixed(2),
            (statSync(raw).size / 1e6 / t).toFixed(0),
            `${(dd / t).toFixed(2)}x faster`,
            ourOwn ? `${(t / localRaw).toFixed(2)}x` : '',
            method.name.includes('HTTP') ? `${(t / httpRaw).toFixed(2)}x` : '',
            method.name.includes('qcow2') && ourOwn ? `${(qemuImg / t).toFixed(2)}x faster` : '',
            ourOwn ? rss(results[i]!.peakRssMiB) : '',
          ].join(' | '),
        );
      });
      console.log(`targets: local raw vs dd ${(dd / localRaw).toFixed(2)}x (>= 1.5x wanted)`);
    }
  } finally {
    server.kill();
    execFileSync('losetup', ['-d', loopDevice]);
  }
}

/**
 * The fixture as qcow2 (qemu-img convert, as distributions make cloud images), as a qcow2 with
 * compressed clusters (-c), as .zst and as .gz, made once and cached beside the other benchmark artefacts.
 */
function derivedImages(raw: string): { qcow2: string; compressedQcow2: string; zst: string; gz: string } {
  mkdirSync(CACHE_DIR, { recursive: true });
  const stem = join(CACHE_DIR, basename(raw, '.img'));
  return {
    qcow2: madeBy(`${stem}.qcow2`, (out) => execFileSync('qemu-img', ['convert', '-q', '-f', 'raw', '-O', 'qcow2', raw, out])),
    compressedQcow2: madeBy(`${stem}-compressed.qcow2`, (out) => execFileSync('qemu-img', ['convert', '-q', '-c', '-f', 'raw', '-O', 'qcow2', raw, out])),
    zst: madeBy(`${stem}.img.zst`, (out) => execFileSync('zstd', ['-q', '-T0', '-3', raw, '-o', out])),
    gz: madeBy(`${stem}.img.gz`, (out) => execFileSync('sh', ['-c', 'gzip -1 -c "$0" > "$1"', raw, out])),
  };
}

/** `path`, made by `make` into a partial file and moved into place, unless it exists. */
function madeBy(path: string, make: (out: string) => void): string {
  if (existsSync(path)) return path;
  console.log(`making ${path} (once)`);
  make(`${path}.partial`);
  execFileSync('mv', [`${path}.partial`, path]);
  return path;
}
