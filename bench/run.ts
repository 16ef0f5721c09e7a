// Runs benchmark cases: `npm run bench` runs them all, `npm run bench -- copy` the named ones.
// Each case is a module under bench/ whose run() prints its own results.

const CASES: Readonly<Record<string, () => Promise<{ run(): Promise<void> }>>> = {
  copy: () => import('./copy.ts'),
  'copy-http': () => import('./copy-http.ts'),
  'image-formats': () => import('./image-formats.ts'),
  deploy: () => import('./deploy.ts'),
  'helper-compare': () => import('./helper-compare.ts'),
  'helper-sandbox': () => import('./helper-sandbox.ts'),
  accelerator: () => import('./accelerator.ts'),
  'package-startup': () => import('./package-startup.ts'),
  concurrent: () => import('./concurrent.ts'),
};

const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !(name in CASES));
if (unknown.length > 0) {
  console.error(`unknown benchmark case(s): ${unknown.join(', ')}; known: ${Object.keys(CASES).join(', ')}`);
  process.exit(2);
}
for (const name of requested.length > 0 ? requested : Object.keys(CASES)) {
  console.log(`== ${name}`);
  await (await CASES[name]!()).run();
}
