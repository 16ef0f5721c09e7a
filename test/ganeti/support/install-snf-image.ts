import { fileURLToPath } from 'node:url';
import type { GanetiNamespace } from './ganeti-namespace.ts';

/**
 * Installs the OS definition in the namespace the way an operator does:
 * `snf-image install-os`. SNF_IMAGE_TEST_ENTRY names another entry point for
 * the OS scripts to run (a build under test elsewhere); the definition is
 * then written by installOsDefinition with that entry.
 */
export const REPO_DIR = fileURLToPath(new URL('../../../', import.meta.url));
export const SNF_IMAGE_BIN = `${REPO_DIR}bin/snf-image.js`;

export async function installSnfImage(ns: GanetiNamespace): Promise<void> {
  const entry = process.env.SNF_IMAGE_TEST_ENTRY;
  if (entry === undefined || entry === '') {
    await ns.must([process.execPath, SNF_IMAGE_BIN, 'install-os']);
    return;
  }
  const script = [
    "const { installOsDefinition } = await import('./src/ganeti/install-os.ts');",
    "const { standardLocations, DEFAULT_OS_DIR } = await import('./src/ganeti/os-definition.ts');",
    `await installOsDefinition(standardLocations(DEFAULT_OS_DIR), { node: process.execPath, entry: ${JSON.stringify(entry)} });`,
  ].join('\n');
  await ns.must([process.execPath, '--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO_DIR });
}

/** Whether the installed program offers the subcommand (its usage lists it). */
export async function subcommandExists(ns: GanetiNamespace, name: string): Promise<boolean> {
  const entry = process.env.SNF_IMAGE_TEST_ENTRY || SNF_IMAGE_BIN;
  const { stdout, stderr } = await ns.run([process.execPath, entry, '--help']);
  return new RegExp(`^\\s+${name}\\s`, 'm').test(stdout + stderr);
}
