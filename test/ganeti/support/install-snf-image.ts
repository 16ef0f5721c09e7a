import { fileURLToPath } from 'node:url';
import type { GanetiNamespace } from './ganeti-namespace.ts';

export const REPO_DIR = fileURLToPath(new URL('../../../', import.meta.url));
export const SNF_IMAGE_BIN = `${REPO_DIR}bin/snf-image.js`;

/** Installs the OS definition in the namespace the way an operator does: `snf-image install-os`. */
export async function installSnfImage(ns: GanetiNamespace): Promise<void> {
  await ns.must([process.execPath, SNF_IMAGE_BIN, 'install-os']);
}
