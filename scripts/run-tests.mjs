#!/usr/bin/env node
// Runs the test suite with Node's test runner (through tsx for TypeScript).
//
//   node scripts/run-tests.mjs                  everything (CI), after the type check
//   node scripts/run-tests.mjs PATTERN...       the test files whose path contains a pattern
//   node scripts/run-tests.mjs --tier TIER ...  one tier, optionally narrowed by patterns
//
// Tiers, from fast to real (a file is in the first tier whose list names it):
//   slow    boots VMs, a Ganeti cluster or a browser: minutes, root
//   system  root, loop devices and real disk tools: seconds a file
//   fast    the rest: no root, no VM, no loop device; runs as any user
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Path prefixes of the slow and system tiers; every other test file is fast. */
const TIERS = {
  slow: [
    'test/e2e/',
    'test/ganeti/',
    'test/helper-image/',
    'test/host/helper-vm/helper-launch.test.ts',
    'test/host/helper-vm/kvm-probe.test.ts',
    'test/visualizer/page.browser.test.ts',
  ],
  system: [
    'test/helper/',
    'test/host/backends/uri-destination.test.ts',
    'test/host/config-device/config-device.test.ts',
    'test/host/copy/',
    'test/host/image-format/',
    'test/host/image-transfer.test.ts',
    'test/packaging/',
  ],
};

function tierOf(file) {
  for (const [tier, prefixes] of Object.entries(TIERS)) if (prefixes.some((p) => file.startsWith(p))) return tier;
  return 'fast';
}

function testFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return testFiles(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}

const args = process.argv.slice(2);
const tierAt = args.indexOf('--tier');
const tier = tierAt === -1 ? undefined : args[tierAt + 1];
if (tierAt !== -1 && !['fast', 'system', 'slow'].includes(tier)) {
  console.error('--tier takes fast, system or slow');
  process.exit(2);
}
const filters = tierAt === -1 ? args : args.filter((_, i) => i !== tierAt && i !== tierAt + 1);
const files = testFiles('test')
  .filter((f) => tier === undefined || tierOf(f) === tier)
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// The whole suite starts with the type check: a type error is a failed build.
if (args.length === 0) {
  const typecheck = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
  if (typecheck.status !== 0) {
    console.error('type check failed');
    process.exit(1);
  }
}
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-timeout=900000', '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
