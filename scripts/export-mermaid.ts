// Writes the Mermaid charts of the machines to docs/machines/*.md.
// `--check` writes nothing and fails when a checked-in chart is out of date.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineDocs } from '../visualizer/machine-docs.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');
let stale = 0;
for (const { path, text } of machineDocs()) {
  const file = join(root, path);
  if (check) {
    let current = '';
    try {
      current = readFileSync(file, 'utf8');
    } catch {
      // A missing file is out of date too.
    }
    if (current !== text) {
      process.stderr.write(`${path} does not match the machine; run scripts/export-mermaid.ts\n`);
      stale += 1;
    }
    continue;
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  process.stdout.write(`wrote ${path}\n`);
}
process.exitCode = stale === 0 ? 0 : 1;
