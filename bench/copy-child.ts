// One image copy through copyImage in a process of its own, so the parent can
// read its peak memory. Usage: copy-child IMAGE_DIR IMAGE_ID SOURCE_BACKEND TARGET
// Prints { bytes, seconds, megabytesPerSecond, peakRssKiB } as JSON.
import { readFileSync } from 'node:fs';
import { standardBackends } from '../src/host/backends/backend-registry.ts';
import { copyImage } from '../src/host/copy/copy-image.ts';

const [imageDir, imageId, source, target] = process.argv.slice(2);
if (!imageDir || !imageId || !source || !target) throw new Error('usage: copy-child IMAGE_DIR IMAGE_ID SOURCE_BACKEND TARGET');
const summary = await copyImage(
  { imageId, source, format: 'diskdump', target, config: { imageDir, backendsConfigDir: '/nonexistent' } },
  { signal: new AbortController().signal, emit: () => {} },
  standardBackends(),
);
const vmHwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
console.log(JSON.stringify({ ...summary, peakRssKiB: Number(vmHwm ?? process.resourceUsage().maxRSS) }));
