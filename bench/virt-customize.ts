// The peer in the deployment benchmark: virt-customize making the hostname and
// root-password change on a copy of the image, under TCG as our helper runs.
// libguestfs needs a kernel and its modules under /lib/modules; the host has
// neither, so the Debian kernel package is unpacked into a cache and shown at
// /usr/lib/modules only inside a private mount namespace: the host is left as
// it was found.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { realProcesses } from '../src/effects/real/processes.ts';
import { buildOnce } from '../src/helper-image/cache.ts';
import { resolveKernelPackage } from '../src/helper-image/kernel.ts';
import { createLogger } from '../src/log.ts';

const CACHE_DIR = '/var/cache/snf-image/bench';
const processes = realProcesses;

interface Kernel {
  readonly vmlinuz: string;
  /** The package's lib directory: modules/<release>, with its modules.dep. */
  readonly lib: string;
  readonly release: string;
}

/** Times virt-customize on fresh copies of one image; `close` removes the copies. */
export interface VirtCustomizeRunner {
  /** Seconds of one run, or why it failed. */
  time(): Promise<number | string>;
  close(): Promise<void>;
}

/**
 * A runner for virt-customize on copies of `image` (made in `dir`), after an
 * untimed warm-up run that builds supermin's appliance; or why it cannot run.
 */
export async function virtCustomizeRunner(image: string, dir: string): Promise<VirtCustomizeRunner | string> {
  if (process.getuid?.() !== 0) return 'needs root (package install, mount namespace), skipped';
  // Before the install: on a fresh machine this also fetches the package index.
  const kernel = await unpackedKernel();
  if ((await processes.run('sh', ['-c', 'command -v virt-customize'], { allowFailure: true })).exitCode !== 0) {
    console.log('virt-customize: installing libguestfs-tools (apt-get install --no-install-recommends)');
    // Without --no-install-recommends apt would install a kernel into /boot.
    const installed = await processes.run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'libguestfs-tools'], {
      env: { DEBIAN_FRONTEND: 'noninteractive' },
      allowFailure: true,
    });
    if (installed.exitCode !== 0) return `installing libguestfs-tools failed (${errorLine(installed.stderr)}), skipped`;
  }

  await mkdir(dir, { recursive: true });
  const scratch = await mkdtemp(join(dir, 'virt-customize-'));
  const close = () => rm(scratch, { recursive: true, force: true });
  console.log('virt-customize: warm-up run, not timed (builds the supermin appliance when it is not cached)');
  const warmUp = await customizeCopy(image, scratch, kernel);
  if (typeof warmUp === 'string') {
    await close();
    return warmUp;
  }
  return { time: () => customizeCopy(image, scratch, kernel), close };
}

/** The kernel the helper boots too (what linux-image-amd64 points at), unpacked once into the cache, never installed. */
async function unpackedKernel(): Promise<Kernel> {
  const { name, version } = await resolveKernelPackage(processes);
  const tree = join(CACHE_DIR, `kernel-${name}-${version}`);
  await mkdir(CACHE_DIR, { recursive: true });
  await buildOnce(tree, { log: createLogger('warn'), processes }, async (scratch) => {
    console.log(`virt-customize: unpacking ${name}=${version} into ${tree} (once)`);
    await processes.run('apt-get', ['download', '-qq', `${name}=${version}`], { cwd: scratch });
    const deb = (await readdir(scratch)).find((file) => file.endsWith('.deb'))!;
    await processes.run('dpkg-deb', ['-x', deb, '.'], { cwd: scratch });
    await rm(join(scratch, deb));
    // The package ships no modules.dep; supermin reads it to pick the appliance's modules.
    const root = moduleRoot(scratch);
    const [release] = await readdir(join(root, 'lib/modules'));
    await processes.run('depmod', ['-b', root, release!]);
  });
  const [release] = await readdir(join(moduleRoot(tree), 'lib/modules'));
  return { vmlinuz: join(tree, 'boot', `vmlinuz-${release}`), lib: join(moduleRoot(tree), 'lib'), release: release! };
}

/** Debian 12 ships /lib/modules; later releases /usr/lib/modules. */
function moduleRoot(tree: string): string {
  return existsSync(join(tree, 'usr/lib/modules')) ? join(tree, 'usr') : tree;
}

/**
 * One virt-customize run on a fresh copy of the image, timed alone. It runs in
 * a private mount namespace where /usr/lib is a read-only overlay of itself
 * and the package's lib directory, which adds modules/<release>; supermin
 * copies the modules from that path into the appliance, so it must be the
 * real /lib/modules. The namespace and its mount end with the process.
 */
async function customizeCopy(image: string, scratch: string, kernel: Kernel): Promise<number | string> {
  const copy = join(scratch, 'image');
  await processes.run('cp', ['--sparse=always', image, copy]);
  const applianceCache = join(CACHE_DIR, `appliance-${kernel.release}`);
  await mkdir(applianceCache, { recursive: true });
  const script = 'mount -t overlay overlay -o "lowerdir=/usr/lib:$KERNEL_LIB" /usr/lib && exec virt-customize "$@"';
  const started = performance.now();
  const result = await processes.run(
    'unshare',
    ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', '-a', copy, '--hostname', 'bench.example.org', '--root-password', 'password:bench'],
    {
      env: {
        KERNEL_LIB: kernel.lib,
        SUPERMIN_KERNEL: kernel.vmlinuz,
        SUPERMIN_MODULES: `/lib/modules/${kernel.release}`,
        SUPERMIN_KERNEL_VERSION: kernel.release,
        // Appliance cache kept per kernel, so the warm-up builds it and the timed run reuses it.
        LIBGUESTFS_CACHEDIR: applianceCache,
        // libguestfs's sockets and overlays go where the caller removes them.
        TMPDIR: scratch,
        // /dev/kvm here cannot run a stock kernel; libguestfs would pick it and abort.
        LIBGUESTFS_BACKEND: 'direct',
        LIBGUESTFS_BACKEND_SETTINGS: 'force_tcg',
      },
      allowFailure: true,
    },
  );
  const seconds = (performance.now() - started) / 1000;
  if (result.exitCode !== 0) return `failed (${errorLine(result.stderr)}), skipped`;
  return seconds;
}

/** The line that says what went wrong: virt-customize ends its stderr with a hint to rerun with -v -x. */
function errorLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  return lines.find((line) => /error/i.test(line)) ?? lines.at(-1) ?? '';
}
