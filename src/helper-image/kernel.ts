import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Processes } from '../effects/processes.ts';
import type { Logger } from '../log.ts';
import { KernelBuildFailed } from './kernel-build-failed.ts';
import { patchInitMemoryPoison, X86_MM_INIT_C } from './init-memory-poison-patch.ts';
import { patchUfsSuperblockSearch, UFS_SUPER_C } from './ufs-superblock-patch.ts';

/** Debian's kernel metapackage: the kernel it installs names the linux-source version the helper kernel is built from. */
const KERNEL_METAPACKAGE = 'linux-image-amd64';

export interface KernelPackage {
  readonly name: string;
  readonly version: string;
}

/** What the kernel layer directory holds. */
export const kernelLayerFiles = {
  /** The ELF kernel: qemu boots it through its PVH entry point, with nothing to decompress. */
  vmlinux: 'vmlinux',
  /** The whole configuration it was built with (`make olddefconfig` over helper-image/kernel.config). */
  config: 'config',
  /** Its `uname -r`. */
  release: 'release',
} as const;

/** The kernel package the metapackage points at in this machine's apt index. */
export async function resolveKernelPackage(processes: Processes): Promise<KernelPackage> {
  const show = () => processes.run('apt-cache', ['show', '--no-all-versions', KERNEL_METAPACKAGE], { allowFailure: true });
  let shown = await show();
  if (shown.exitCode !== 0 || shown.stdout.trim() === '') {
    // A fresh machine may never have fetched the package index.
    await processes.run('apt-get', ['update', '-qq']);
    shown = await show();
  }
  const depends = /^Depends:\s*(linux-image-[^\s,]+)\s*\(=\s*([^)\s]+)\)/m.exec(shown.stdout);
  if (!depends?.[1] || !depends[2]) {
    throw new KernelBuildFailed(`cannot tell which kernel ${KERNEL_METAPACKAGE} installs: check the apt sources (apt-cache show ${KERNEL_METAPACKAGE})`);
  }
  return { name: depends[1], version: depends[2] };
}

/** The source package of a Debian kernel package: linux-image-6.1.0-57-amd64 -> linux-source-6.1. */
export function sourcePackage(kernel: KernelPackage): string {
  const series = /^linux-image-(\d+\.\d+)\./.exec(kernel.name)?.[1];
  if (!series) throw new KernelBuildFailed(`cannot tell the kernel series of ${kernel.name}: expected e.g. linux-image-6.1.0-57-amd64`);
  return `linux-source-${series}`;
}

/** The helper kernel's changes to Debian's source, each a file of the tree and how it is edited. */
const SOURCE_EDITS: readonly (readonly [string, (source: string) => string])[] = [
  [UFS_SUPER_C, patchUfsSuperblockSearch],
  [X86_MM_INIT_C, patchInitMemoryPoison],
];

/** One `CONFIG_X=value` line of a configuration fragment. */
interface ConfigSetting {
  readonly line: string;
  readonly symbol: string;
  readonly value: string;
}

/** The settings of a configuration fragment, comments and blank lines left out. */
export function parseConfigFragment(text: string): ConfigSetting[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const setting = /^(CONFIG_[A-Z0-9_]+)=(.+)$/.exec(line);
      if (!setting) throw new KernelBuildFailed(`not a kernel configuration line: "${line}"`);
      return { line, symbol: setting[1]!, value: setting[2]! };
    });
}

/**
 * The fragment's settings that the final configuration does not have: Kconfig
 * quietly drops a setting whose dependencies are not met, and a kernel
 * without, say, its UFS driver would fail only when a BSD image comes.
 */
export function unmetSettings(fragment: readonly ConfigSetting[], config: string): string[] {
  const lines = new Set(config.split('\n'));
  return fragment
    .filter(({ line, symbol, value }) => (value === 'n' ? [...lines].some((l) => l.startsWith(`${symbol}=`)) : !lines.has(line)))
    .map(({ line }) => line);
}

/**
 * Builds the helper kernel into `layer`: Debian's linux-source of the same
 * version as the kernel Debian installs, configured as `make tinyconfig`
 * plus `configFragment` (helper-image/kernel.config), with the UFS
 * superblock search edited (ufs-superblock-patch.ts) and the init memory
 * freed unfilled (init-memory-poison-patch.ts). Everything the helper
 * needs is built in, so the initrd carries no modules and its init loads
 * none. The source package is downloaded and unpacked in a temporary
 * directory, never installed.
 */
export async function buildKernelLayer(layer: string, kernel: KernelPackage, configFragment: string, tools: { log: Logger; processes: Processes }): Promise<void> {
  const { processes, log } = tools;
  const fragment = parseConfigFragment(await readFile(configFragment, 'utf8'));
  const scratch = await mkdtemp(join(tmpdir(), 'snf-image-kernel-'));
  try {
    const source = sourcePackage(kernel);
    log.info({ package: `${source}=${kernel.version}` }, 'downloading the kernel source');
    await processes.run('apt-get', ['download', '-qq', `${source}=${kernel.version}`], { cwd: scratch });
    const deb = (await readdir(scratch)).find((name) => name.endsWith('.deb'));
    if (!deb) throw new KernelBuildFailed(`apt-get download ${source} left no .deb`);
    await processes.run('dpkg-deb', ['-x', join(scratch, deb), join(scratch, 'deb')]);
    await processes.run('tar', ['-C', scratch, '-xJf', join(scratch, 'deb/usr/src', `${source}.tar.xz`)]);
    const tree = join(scratch, source);

    for (const [path, edit] of SOURCE_EDITS) {
      const file = join(tree, path);
      await writeFile(file, edit(await readFile(file, 'utf8')));
    }

    const make = (...targets: string[]) => processes.run('make', ['-s', '-C', tree, 'ARCH=x86_64', ...targets]);
    await make('tinyconfig');
    await processes.run(join(tree, 'scripts/kconfig/merge_config.sh'), ['-m', join(tree, '.config'), configFragment], { cwd: tree });
    await make('olddefconfig');
    const config = await readFile(join(tree, '.config'), 'utf8');
    const unmet = unmetSettings(fragment, config);
    if (unmet.length > 0) {
      throw new KernelBuildFailed(`${source} ${kernel.version} does not keep these settings of ${configFragment} (their dependencies are not met there): ${unmet.join(', ')}`);
    }

    log.info({ jobs: availableParallelism() + 1 }, 'building the helper kernel');
    await make(`-j${availableParallelism() + 1}`, 'vmlinux');
    await copyFile(join(tree, 'vmlinux'), join(layer, kernelLayerFiles.vmlinux));
    await writeFile(join(layer, kernelLayerFiles.config), config);
    const { stdout: release } = await make('kernelrelease');
    await writeFile(join(layer, kernelLayerFiles.release), `${release.trim()}\n`);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
