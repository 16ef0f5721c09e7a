#!/usr/bin/env node
// Runs the test suite with Node's test runner (through tsx for TypeScript).
// Arguments narrow it to paths containing any of them: `npm test -- machines`.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function testFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return testFiles(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}

const filters = process.argv.slice(2);
const files = testFiles('test')
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// The whole suite starts with the type check: a type error is a failed build.
if (filters.length === 0) {
  const typecheck = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
  if (typecheck.status !== 0) {
    console.error('type check failed');
    process.exit(1);
  }
}
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-timeout=900000', '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
