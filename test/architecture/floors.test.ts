import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Every .ts file under a directory of the repository, as a path from the root. */
function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

/** The repository paths a module imports or re-exports from, relative ones only. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(/^(?:import|export)[^'"]*?from '(\.[^']+)'/gm)].map((m) => relative(ROOT, resolve(ROOT, dirname(file), m[1]!)));
}

/** Imports from files under `from` that reach into one of `forbidden`. */
function upwardImports(from: string, forbidden: readonly string[]): string[] {
  return sources(from).flatMap((file) => importsOf(file).filter((target) => forbidden.some((f) => target.startsWith(f))).map((target) => `${file} -> ${target}`));
}

describe('the floors of docs/architecture.md', () => {
  it('machines import nothing from the adapters or entry points', () => {
    assert.deepEqual(upwardImports('machines', ['src/host/', 'src/helper/', 'src/ganeti/', 'src/cli/', 'src/demo/', 'visualizer/']), []);
  });

  it('the host-helper contract imports no adapter', () => {
    assert.deepEqual(upwardImports('src/protocol', ['src/host/', 'src/helper/', 'src/ganeti/', 'src/cli/', 'machines/']), []);
  });

  it('the effects toolkit imports no machine and no adapter', () => {
    assert.deepEqual(upwardImports('src/effects', ['src/host/', 'src/helper/', 'src/ganeti/', 'src/cli/', 'machines/']), []);
  });
});
