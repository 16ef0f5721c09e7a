import { mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Processes } from '../effects/processes.ts';
import type { Logger } from '../log.ts';
import { releaseMountsUnder } from './mounts.ts';
import { installNodeBinary, type NodePin } from './node-binary.ts';

/** The Debian release of the helper root. */
const SUITE = 'bookworm';

/** What the root layer directory holds. */
export const rootLayerFiles = {
  /** The read-only root, squashfs with zstd (xz is smaller but boots much slower under TCG), Node's binary uncompressed. */
  image: 'image',
  /** `dpkg-query -W` of the root, for operators and bug reports. */
  packages: 'packages',
} as const;

/** Paths of the root nobody reads at run time. */
const TRIMMED = [
  'usr/share/doc',
  'usr/share/man',
  'usr/share/info',
  'usr/share/locale',
  'usr/share/lintian',
  'usr/share/bash-completion',
  'var/cache/apt',
  'var/lib/apt/lists',
  'var/log',
];

/** The Debian mirror apt on this machine uses; SNF_IMAGE_DEBIAN_MIRROR overrides it. */
export async function debianMirror(): Promise<string> {
  const override = process.env.SNF_IMAGE_DEBIAN_MIRROR;
  if (override) return override;
  const sourcesDir = '/etc/apt/sources.list.d';
  const deb822 = (await readdir(sourcesDir).catch(() => [])).filter((name) => name.endsWith('.sources'));
  for (const name of deb822) {
    const uri = /^URIs:\s*(\S+\/debian)\/?\s*$/m.exec(await readFile(join(sourcesDir, name), 'utf8'));
    if (uri?.[1]) return uri[1];
  }
  const list = await readFile('/etc/apt/sources.list', 'utf8').catch(() => '');
  return /^deb\s+(?:\[[^\]]*\]\s+)?(\S+\/debian)\/?\s/m.exec(list)?.[1] ?? 'http://deb.debian.org/debian';
}

/**
 * Builds the root layer into `layer`: debootstrap minbase with `packages`,
 * the pinned Node as /usr/bin/node, trimmed, with the mount points the
 * initrd's init uses, packed as squashfs.
 *
 * Node is the official build, not Debian's nodejs: Debian builds it without
 * Node's own startup snapshot and code cache, so every start compiles Node's
 * bootstrap, which under TCG took a second more per start
 * (docs/benchmarks.md, "Node's official build").
 */
export async function buildRootLayer(layer: string, recipe: { packages: readonly string[]; node: NodePin }, tools: { log: Logger; processes: Processes }): Promise<void> {
  const { processes, log } = tools;
  const tree = join(layer, 'tree');
  try {
    const mirror = await debianMirror();
    log.info({ suite: SUITE, mirror, packages: recipe.packages.length }, 'debootstrap of the helper root');
    await processes.run('debootstrap', ['--variant=minbase', `--include=${recipe.packages.join(',')}`, SUITE, tree, mirror]);
    await releaseMountsUnder(tree, processes);
    await installNodeBinary(recipe.node, tree, tools);

    const { stdout } = await processes.run('dpkg-query', ['-W', `--admindir=${join(tree, 'var/lib/dpkg')}`]);
    await writeFile(join(layer, rootLayerFiles.packages), stdout);

    for (const path of TRIMMED) {
      await rm(join(tree, path), { recursive: true, force: true });
      await mkdir(join(tree, path), { recursive: true });
    }
    // The mount point of the helper program, bind-mounted from the initrd.
    await mkdir(join(tree, 'usr/lib/snf-image'), { recursive: true });
    await writeFile(join(tree, 'etc/hostname'), 'snf-image-helper\n');
    await rm(join(tree, 'etc/mtab'), { force: true });
    await symlink('../proc/self/mounts', join(tree, 'etc/mtab'));

    log.info('packing the helper root as squashfs');
    await processes.run('mksquashfs', [
      tree, join(layer, rootLayerFiles.image), '-comp', 'zstd', '-noappend', '-quiet', '-no-progress',
      // Node's first start pages in most of its 99 MB binary; decompressing that under TCG took
      // half a second of every helper run (docs/benchmarks.md). Stored as it is, it costs 66 MB more.
      '-action', 'uncompressed@pathname(/usr/bin/node)',
    ]);
  } finally {
    await releaseMountsUnder(tree, processes);
    await rm(tree, { recursive: true, force: true });
  }
}
