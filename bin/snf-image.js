#!/usr/bin/env node
// The snf-image command. It runs the TypeScript sources through tsx, so an
// installation is the source tree plus its node_modules, with nothing to build.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli.ts');
process.exitCode = await main(process.argv.slice(2));
