import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Processes } from '../effects/processes.ts';
import type { Logger } from '../log.ts';
import { withLock } from './cache.ts';
import { recipeFiles, REPO_DIR } from './recipe.ts';

const BUNDLE_SCRIPT = join(REPO_DIR, 'scripts/bundle-helper.mjs');
const BUNDLE = join(REPO_DIR, 'dist/helper/snf-image-helper.mjs');
/** The same program as one CommonJS script, which the image build makes a startup snapshot of. */
const SNAPSHOT_SCRIPT = join(REPO_DIR, 'dist/helper/snf-image-helper.snapshot.cjs');

export interface HelperProgram {
  readonly bytes: Uint8Array;
  /** Where the bytes came from, for the manifest. */
  readonly source: 'bundle' | 'stand-in' | 'given';
  /** The bundle's CommonJS twin, for the startup snapshot; the other programs start without one. */
  readonly snapshotScript?: Uint8Array;
}

/**
 * The program the helper VM runs: the file given, else a fresh bundle of the
 * helper (src/helper), else the bundle the Debian package ships (it has no
 * sources to bundle), else the stand-in that only proves the VM works.
 */
export async function helperProgram(
  given: string | undefined,
  tools: { log: Logger; processes: Processes; cacheDir: string },
): Promise<HelperProgram> {
  if (given) return { bytes: await readFile(given), source: 'given' };
  const canBundle = await access(BUNDLE_SCRIPT).then(
    () => true,
    () => false,
  );
  if (!canBundle) return (await shippedBundle()) ?? { bytes: await readFile(recipeFiles.standInHelper), source: 'stand-in' };
  // Parallel test processes would otherwise write the bundle over each other.
  return withLock(join(tools.cacheDir, 'bundle.lock'), tools.log, async () => {
    await tools.processes.run(process.execPath, [BUNDLE_SCRIPT], { cwd: REPO_DIR });
    return { bytes: await readFile(BUNDLE), source: 'bundle' as const, snapshotScript: await readFile(SNAPSHOT_SCRIPT) };
  });
}

/** The bundle and its snapshot script as the Debian package installs them, if they are there. */
async function shippedBundle(): Promise<HelperProgram | undefined> {
  try {
    return { bytes: await readFile(BUNDLE), source: 'bundle', snapshotScript: await readFile(SNAPSHOT_SCRIPT) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
