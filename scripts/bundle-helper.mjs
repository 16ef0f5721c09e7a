#!/usr/bin/env node
// Bundles the helper program for the helper VM, whose Node is the one
// helper-image/node.json pins (20), twice from the same entry: an ES module to run as it is
// (dist/helper/snf-image-helper.mjs), and a CommonJS script beside it
// (snf-image-helper.snapshot.cjs) that the helper image build turns into a V8
// startup snapshot: `node --build-snapshot` takes one script, not a module.
// Usage: node scripts/bundle-helper.mjs [OUTFILE]
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outfile = process.argv[2] ?? `${root}dist/helper/snf-image-helper.mjs`;
const common = { entryPoints: [`${root}src/helper/main.ts`], bundle: true, platform: 'node', target: 'node20', legalComments: 'none', logLevel: 'warning' };

await build({
  ...common,
  outfile,
  format: 'esm',
  // Some dependencies are CommonJS and require() Node's builtins; an ES module has no require of its own.
  banner: { js: "import { createRequire as snfImageCreateRequire } from 'node:module';\nconst require = snfImageCreateRequire(import.meta.url);" },
});
await build({ ...common, outfile: snapshotScriptOf(outfile), format: 'cjs' });
process.stdout.write(`${outfile}\n`);

/** Where the snapshot script of a bundle goes: beside it. */
function snapshotScriptOf(bundle) {
  return bundle.replace(/(\.mjs)?$/, '.snapshot.cjs');
}
