import { cp, mkdir, mkdtemp, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Processes } from '../effects/processes.ts';
import { SnfImageError } from '../errors.ts';
import type { Logger } from '../log.ts';

/** Debian's kernel metapackage; it names the versioned kernel package to fetch. */
const KERNEL_METAPACKAGE = 'linux-image-amd64';

export interface KernelPackage {
  readonly name: string;
  readonly version: string;
}

/** What the kernel layer directory holds. */
export const kernelLayerFiles = {
  /** The uncompressed ELF kernel: qemu boots it through PVH, skipping xz decompression under TCG. */
  vmlinux: 'vmlinux',
  /** `lib/modules/<release>/` with only the modules the initrd carries, and their modules.dep. */
  modules: 'modules',
  release: 'release',
} as const;

export class KernelBuildFailed extends SnfImageError {
  override readonly name = 'KernelBuildFailed';
}

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

/** The offset of the xz stream inside a bzImage (the compressed kernel proper). */
function xzStreamOffset(bzImage: Buffer): number {
  const magic = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);
  const offset = bzImage.indexOf(magic);
  if (offset < 0) throw new KernelBuildFailed('the kernel image holds no xz stream: only xz-compressed Debian kernels are supported');
  return offset;
}

/** Decompresses the ELF kernel out of a vmlinuz, as the kernel's scripts/extract-vmlinux does. */
async function extractVmlinux(vmlinuz: string, output: string, scratch: string, processes: Processes): Promise<void> {
  const bzImage = await readFile(vmlinuz);
  const stream = join(scratch, 'vmlinux.xz');
  await writeFile(stream, bzImage.subarray(xzStreamOffset(bzImage)));
  // --single-stream: what follows the stream in the bzImage is not xz data.
  await processes.run('sh', ['-c', 'xz -dc --single-stream <"$1" >"$2"', 'sh', stream, output]);
  const file = await open(output);
  const { buffer: head } = await file.read(Buffer.alloc(4), 0, 4, 0).finally(() => file.close());
  if (!head.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))) throw new KernelBuildFailed(`${vmlinuz} did not decompress to an ELF kernel`);
}

/** The module files `modules` need, dependencies first, relative to the modules tree. */
async function moduleClosure(tree: string, release: string, modules: readonly string[], processes: Processes): Promise<string[]> {
  const files = new Set<string>();
  const base = join(tree, 'lib/modules', release);
  for (const module of modules) {
    const { stdout } = await processes.run('modprobe', ['-d', tree, '-S', release, '--show-depends', module]);
    for (const line of stdout.split('\n')) {
      const insmod = /^insmod (\S+)/.exec(line);
      if (insmod?.[1]) files.add(insmod[1].slice(base.length + 1));
    }
  }
  return [...files];
}

/**
 * Builds the kernel layer into `layer`: the ELF kernel and the listed modules
 * of the Debian kernel package, plus modules built here (`extraModules`, by
 * their path in the module tree, e.g. updates/ufs.ko). The package is
 * downloaded and unpacked in a temporary directory, never installed on the host.
 */
export async function buildKernelLayer(
  layer: string,
  kernel: KernelPackage,
  modules: readonly string[],
  tools: { log: Logger; processes: Processes },
  extraModules: Readonly<Record<string, string>> = {},
): Promise<void> {
  const { processes, log } = tools;
  const scratch = await mkdtemp(join(tmpdir(), 'snf-image-kernel-'));
  try {
    log.info({ package: `${kernel.name}=${kernel.version}` }, 'downloading the kernel package');
    await processes.run('apt-get', ['download', '-qq', `${kernel.name}=${kernel.version}`], { cwd: scratch });
    const deb = (await readdir(scratch)).find((name) => name.endsWith('.deb'));
    if (!deb) throw new KernelBuildFailed(`apt-get download ${kernel.name} left no .deb`);
    const tree = join(scratch, 'tree');
    await processes.run('dpkg-deb', ['-x', join(scratch, deb), tree]);
    // Debian 12 ships /lib/modules; later releases /usr/lib/modules.
    const moduleRoot = (await readdir(join(tree, 'usr/lib')).catch((): string[] => [])).includes('modules') ? join(tree, 'usr') : tree;
    const [release] = await readdir(join(moduleRoot, 'lib/modules'));
    if (!release) throw new KernelBuildFailed(`${kernel.name} holds no modules directory`);

    await extractVmlinux(join(tree, 'boot', `vmlinuz-${release}`), join(layer, kernelLayerFiles.vmlinux), scratch, processes);

    // The package ships no modules.dep: compute it for the whole tree to find
    // the dependencies, then again for the subset the initrd carries.
    await processes.run('depmod', ['-b', moduleRoot, release]);
    const subset = join(layer, kernelLayerFiles.modules);
    const from = join(moduleRoot, 'lib/modules', release);
    const to = join(subset, 'lib/modules', release);
    for (const file of await moduleClosure(moduleRoot, release, modules, processes)) {
      await mkdir(dirname(join(to, file)), { recursive: true });
      await cp(join(from, file), join(to, file));
    }
    for (const [path, file] of Object.entries(extraModules)) {
      await mkdir(dirname(join(to, path)), { recursive: true });
      await cp(file, join(to, path));
    }
    for (const index of ['modules.builtin', 'modules.builtin.modinfo', 'modules.order']) await cp(join(from, index), join(to, index));
    await processes.run('depmod', ['-b', subset, release]);
    await writeFile(join(layer, kernelLayerFiles.release), `${release}\n`);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
