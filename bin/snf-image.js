#!/usr/bin/env node
// The snf-image command. It runs the TypeScript sources through tsx, so an
// installation is the source tree plus its node_modules, with nothing to build.
import { register } from 'tsx/esm/api';

// Ganeti passes the OS parameters (the password and keys among them) in the
// environment. They are read from this copy; process.env loses them before
// tsx starts its esbuild service, which would otherwise inherit them.
const ganetiEnv = { ...process.env };
for (const name of Object.keys(process.env)) if (name.startsWith('OSP_')) delete process.env[name];

register();
const { main } = await import('../src/cli.ts');
process.exitCode = await main(process.argv.slice(2), ganetiEnv);
