// One image copy through copyImage in a process of its own, so the parent can
// read its peak memory. Usage: copy-child IMAGE_DIR IMAGE_ID SOURCE_BACKEND TARGET [FORMAT]
// Prints { bytes, seconds, megabytesPerSecond, wallSeconds, peakRssKiB, peakMemory } as JSON; wallSeconds is the
// whole copyImage call, opening and zeroing the disk included. peakMemory holds the largest values
// process.memoryUsage() showed, sampled every 20 ms, in KiB: what the peak RSS was made of.
import { readFileSync } from 'node:fs';
import { standardBackends } from '../src/host/backends/backend-registry.ts';
import { copyImage } from '../src/host/copy/copy-image.ts';

const [imageDir, imageId, source, target, format = 'diskdump'] = process.argv.slice(2);
if (!imageDir || !imageId || !source || !target) throw new Error('usage: copy-child IMAGE_DIR IMAGE_ID SOURCE_BACKEND TARGET');
const peakMemory = { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
const sample = () => {
  const usage = process.memoryUsage();
  for (const key of Object.keys(peakMemory) as Array<keyof typeof peakMemory>) peakMemory[key] = Math.max(peakMemory[key], Math.round(usage[key] / 1024));
};
const sampler = setInterval(sample, 20);
const started = performance.now();
const summary = await copyImage(
  { imageId, source, format, target, config: { imageDir, backendsConfigDir: '/nonexistent' } },
  { signal: new AbortController().signal, emit: () => {} },
  standardBackends(),
);
clearInterval(sampler);
sample();
const vmHwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
const wallSeconds = (performance.now() - started) / 1000;
console.log(JSON.stringify({ ...summary, wallSeconds, peakRssKiB: Number(vmHwm ?? process.resourceUsage().maxRSS), peakMemory }));
