// One image copy through copyImage in a process of its own, so the parent can
// read its peak memory. Usage: copy-child.ts IMAGE_DIR IMAGE_NAME TARGET
// Prints { bytes, seconds, megabytesPerSecond, peakRssKiB } as JSON.
import { readFileSync } from 'node:fs';
import { copyImage } from '../src/host/copy/copy-image.ts';

const [imageDir, imageName, target] = process.argv.slice(2);
if (!imageDir || !imageName || !target) throw new Error('usage: copy-child.ts IMAGE_DIR IMAGE_NAME TARGET');
const summary = await copyImage(
  { imageId: `local://${imageName}`, source: 'local', format: 'diskdump', target, config: { imageDir, backendsConfigDir: '/nonexistent' } },
  { signal: new AbortController().signal, emit: () => {} },
);
const vmHwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
console.log(JSON.stringify({ ...summary, peakRssKiB: Number(vmHwm ?? process.resourceUsage().maxRSS) }));
