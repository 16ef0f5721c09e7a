// One image copy through copyImage in a process of its own, so the parent can
// read its peak memory. Usage: copy-child IMAGE_DIR IMAGE_ID SOURCE_BACKEND TARGET [FORMAT]
// Prints { bytes, seconds, megabytesPerSecond, wallSeconds, peakRssKiB } as JSON; wallSeconds is the
// whole copyImage call, opening and zeroing the disk included.
import { readFileSync } from 'node:fs';
import { standardBackends } from '../src/host/backends/backend-registry.ts';
import { copyImage } from '../src/host/copy/copy-image.ts';

const [imageDir, imageId, source, target, format = 'diskdump'] = process.argv.slice(2);
if (!imageDir || !imageId || !source || !target) throw new Error('usage: copy-child IMAGE_DIR IMAGE_ID SOURCE_BACKEND TARGET');
const started = performance.now();
const summary = await copyImage(
  { imageId, source, format, target, config: { imageDir, backendsConfigDir: '/nonexistent' } },
  { signal: new AbortController().signal, emit: () => {} },
  standardBackends(),
);
const vmHwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
const wallSeconds = (performance.now() - started) / 1000;
console.log(JSON.stringify({ ...summary, wallSeconds, peakRssKiB: Number(vmHwm ?? process.resourceUsage().maxRSS) }));
