import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { REPO_DIR } from './install-snf-image.ts';

/**
 * The snf-image Debian package on this machine: built by `npm run package`'s
 * script, installed and purged with apt-get, which waits for the dpkg lock
 * that other package installs on a shared machine may hold.
 */
const APT_ENV = { DEBIAN_FRONTEND: 'noninteractive' };
const LOCK_WAIT = ['-o', 'DPkg::Lock::Timeout=600'];

/** Builds the package into a new temporary directory; returns the .deb and that directory. */
export async function buildPackage(): Promise<{ deb: string; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'snf-image-package-test-'));
  try {
    const { stdout } = await execa(process.execPath, ['--import', 'tsx', 'scripts/build-deb.ts', dir], { cwd: REPO_DIR });
    return { deb: stdout.trim(), dir };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

export async function isPackageInstalled(): Promise<boolean> {
  const { stdout } = await execa('dpkg-query', ['-W', '-f', '${db:Status-Status}', 'snf-image'], { reject: false });
  return stdout !== '' && stdout !== 'not-installed';
}

export async function installPackage(deb: string): Promise<void> {
  // Depends already present: nothing but the package itself is installed.
  await execa('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...LOCK_WAIT, deb], { env: APT_ENV });
}

export async function purgePackage(): Promise<void> {
  await execa('apt-get', ['purge', '-y', '-qq', ...LOCK_WAIT, 'snf-image'], { env: APT_ENV });
}

