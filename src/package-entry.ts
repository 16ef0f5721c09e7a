/**
 * The Debian package's entry point: scripts/build-deb.ts bundles it, with
 * everything it imports, into one file that node runs with no node_modules.
 * It does what bin/snf-image.js does for a checkout.
 */
import { main } from './cli.ts';

// Ganeti passes the OS parameters (the password and keys among them) in the
// environment. They are read from this copy; no child process inherits them.
const ganetiEnv = { ...process.env };
for (const name of Object.keys(process.env)) if (name.startsWith('OSP_')) delete process.env[name];

process.exitCode = await main(process.argv.slice(2), ganetiEnv);
