import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Processes } from '../effects/processes.ts';
import type { Logger } from '../log.ts';
import { KernelBuildFailed, type KernelPackage } from './kernel.ts';
import { patchUfsSuperblockSearch } from './ufs-superblock-patch.ts';

/** What the UFS module layer holds. */
export const ufsLayerFiles = {
  /** ufs.ko built with CONFIG_UFS_FS_WRITE, for the kernel package's exact release. */
  module: 'ufs.ko',
} as const;

/** Where the initrd's module tree carries it: `updates/` marks a module that is not Debian's own. */
export const UFS_MODULE_PATH = 'updates/ufs.ko';

/** The kernel release a Debian kernel package installs: linux-image-6.1.0-57-amd64 -> 6.1.0-57-amd64. */
export function kernelRelease(kernel: KernelPackage): string {
  return kernel.name.replace(/^linux-image-/, '').replace(/-unsigned$/, '');
}

/**
 * The Debian packages a module build for `release` needs, all at the kernel
 * package's version: the flavour's headers (its .config and Module.symvers),
 * the common headers, the prebuilt build scripts, and the source tarball.
 */
export function modulePackages(kernel: KernelPackage): string[] {
  const release = kernelRelease(kernel);
  const abi = /^(\d+\.\d+\.\d+-\d+)-/.exec(release)?.[1];
  const series = /^(\d+\.\d+)\./.exec(release)?.[1];
  if (!abi || !series) throw new KernelBuildFailed(`cannot tell the ABI of kernel release ${release}: expected e.g. 6.1.0-57-amd64`);
  return [`linux-headers-${release}`, `linux-headers-${abi}-common`, `linux-kbuild-${series}`, `linux-source-${series}`].map((name) => `${name}=${kernel.version}`);
}

/**
 * Builds ufs.ko with write support into `layer`. Debian builds the module
 * read-only (CONFIG_UFS_FS_WRITE unset), and the BSD tasks write the guest's
 * UFS root. Only fs/ufs is taken from Debian's linux-source of the same
 * version and built against the flavour's headers, so the module's vermagic
 * and symbol versions match the helper kernel. Its superblock search also
 * finds a UFS2 superblock at 8 KiB (src/helper-image/ufs-superblock-patch.ts). The packages are unpacked in a
 * temporary directory, never installed. The kernel does not force module
 * signatures (CONFIG_MODULE_SIG_FORCE unset): an unsigned module loads.
 */
export async function buildUfsModuleLayer(layer: string, kernel: KernelPackage, tools: { log: Logger; processes: Processes }): Promise<void> {
  const { processes, log } = tools;
  const release = kernelRelease(kernel);
  const scratch = await mkdtemp(join(tmpdir(), 'snf-image-ufs-'));
  try {
    const packages = modulePackages(kernel);
    log.info({ packages }, 'downloading the kernel headers and source for ufs.ko');
    await processes.run('apt-get', ['download', '-qq', ...packages], { cwd: scratch });
    const tree = join(scratch, 'tree');
    for (const deb of (await readdir(scratch)).filter((name) => name.endsWith('.deb'))) await processes.run('dpkg-deb', ['-x', join(scratch, deb), tree]);

    const headers = join(tree, 'usr/src', `linux-headers-${release}`);
    // The flavour's Makefile includes the common headers by their installed path: point it into the tree.
    const makefile = join(headers, 'Makefile');
    await writeFile(makefile, (await readFile(makefile, 'utf8')).replaceAll('/usr/src/', `${join(tree, 'usr/src')}/`));

    const series = /^(\d+\.\d+)\./.exec(release)![1]!;
    const sourceDir = `linux-source-${series}`;
    await processes.run('tar', ['-C', scratch, '-xJf', join(tree, 'usr/src', `${sourceDir}.tar.xz`), `${sourceDir}/fs/ufs`]);
    const moduleDir = join(scratch, sourceDir, 'fs/ufs');
    const superC = join(moduleDir, 'super.c');
    await writeFile(superC, patchUfsSuperblockSearch(await readFile(superC, 'utf8')));
    // The sources test the macro, not the make variable: it goes in through the compiler flags.
    await processes.run('make', ['-C', headers, `M=${moduleDir}`, 'CONFIG_UFS_FS=m', 'KCFLAGS=-DCONFIG_UFS_FS_WRITE=1', 'modules'], { cwd: scratch });

    const built = join(moduleDir, 'ufs.ko');
    const { stdout: vermagic } = await processes.run('modinfo', ['-F', 'vermagic', built]);
    if (vermagic.trim().split(' ')[0] !== release) {
      throw new KernelBuildFailed(`ufs.ko was built for ${vermagic.trim()}, not for the helper kernel ${release}`);
    }
    await copyFile(built, join(layer, ufsLayerFiles.module));
    // The debug information is most of the file; the initrd does not need it.
    await processes.run('strip', ['--strip-debug', join(layer, ufsLayerFiles.module)]);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
