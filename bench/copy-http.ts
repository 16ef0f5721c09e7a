// The download benchmark: 1 GiB of random data served over HTTP from
// 127.0.0.1 (a node:http server in its own process) onto a file disk, our
// copy against snf-image's pipeline `curl | dd bs=4M iflag=fullblock
// oflag=direct conv=notrunc`, page cache dropped before every copy.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { basename, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundledCopyChild, median, preallocatedDisk, randomImage, ratio, rss, runCopyChild, runShell, type Measurement } from './bench-support.ts';

const ROUNDS = 3;
const PORT = 18080;

export async function run(): Promise<void> {
  const image = randomImage();
  const disk = preallocatedDisk('file-target.disk');
  const child = await bundledCopyChild();
  const serverScript = fileURLToPath(new URL('./file-http-server.ts', import.meta.url));
  const server = spawn(process.execPath, ['--import', 'tsx', serverScript, dirname(image), String(PORT)], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await once(server.stdout, 'data');
    const url = `http://127.0.0.1:${PORT}/${basename(image)}?token=bench`;
    const curl: Measurement[] = [];
    const ours: Measurement[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      curl.push(runShell(`curl -sf '${url}' | dd of=${disk} bs=4M iflag=fullblock oflag=direct conv=notrunc status=none`));
      ours.push(runCopyChild(child, url, 'network', disk));
    }
    const theirs = median(curl.map((m) => m.megabytesPerSecond));
    const mine = median(ours.map((m) => m.megabytesPerSecond));
    console.log(`1 GiB random image over HTTP from 127.0.0.1 to a file disk, ${ROUNDS} rounds each, median MB/s`);
    console.log(['curl | dd', 'copyImage', 'ratio', 'copyImage peak RSS'].join(' | '));
    console.log([theirs.toFixed(0), mine.toFixed(0), ratio(mine, theirs), rss(Math.max(...ours.map((m) => m.peakRssMiB ?? 0)))].join(' | '));
  } finally {
    server.kill();
  }
}
