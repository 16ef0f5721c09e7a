#!/usr/bin/env node
// Bundles the helper program into one ES module for the helper VM, whose
// Debian 12 nodejs is Node 18: dist/helper/snf-image-helper.mjs.
// Usage: node scripts/bundle-helper.mjs [OUTFILE]
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outfile = process.argv[2] ?? `${root}dist/helper/snf-image-helper.mjs`;

await build({
  entryPoints: [`${root}src/helper/main.ts`],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node18',
  format: 'esm',
  // Some dependencies are CommonJS and require() Node's builtins; an ES module has no require of its own.
  banner: { js: "import { createRequire as snfImageCreateRequire } from 'node:module';\nconst require = snfImageCreateRequire(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'warning',
});
process.stdout.write(`${outfile}\n`);
