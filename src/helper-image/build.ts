import { copyFile, link, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Processes } from '../effects/processes.ts';
import { realProcesses } from '../effects/real/processes.ts';
import { SnfImageError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { buildOnce, DEFAULT_CACHE_DIR } from './cache.ts';
import { helperProgram, type HelperProgram } from './helper-program.ts';
import { buildInitrd } from './initramfs.ts';
import { buildKernelLayer, kernelLayerFiles, resolveKernelPackage, sourcePackage, type KernelPackage } from './kernel.ts';
import { pruneHelperCache } from './prune.ts';
import { cacheKey, readList, recipeFiles, sourceOf } from './recipe.ts';
import { readNodePin } from './node-binary.ts';
import { buildRootLayer, rootLayerFiles } from './rootfs.ts';
import { buildStartupSnapshot } from './startup-snapshot.ts';

/** What a HELPER_DIR holds (docs/helper-image.md describes each file). */
export const helperDirFiles = {
  kernel: 'kernel',
  initrd: 'initrd',
  image: 'image',
  packages: 'packages',
  version: 'version',
  manifest: 'manifest.json',
} as const;

export interface HelperImageOptions {
  readonly log: Logger;
  readonly processes?: Processes;
  /** Default: $SNF_IMAGE_HELPER_CACHE, else /var/cache/snf-image/helper. */
  readonly cacheDir?: string;
  /** A helper program file to run instead of the bundle of src/helper (tests use a stand-in). */
  readonly helperProgram?: string;
  /** Remove the helper directories and layers of the cache that this build does not use (`snf-image helper build`). */
  readonly prune?: boolean;
}

export class HelperImageBuildFailed extends SnfImageError {
  override readonly name = 'HelperImageBuildFailed';
}

function requireRoot(): void {
  if (process.getuid?.() !== 0) {
    throw new HelperImageBuildFailed('building the helper image needs root (debootstrap, device nodes): run it as root once, then copy the HELPER_DIR to the other nodes');
  }
}

async function seconds<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await work();
  return [result, Math.round(performance.now() - started) / 1000];
}

/** Links a layer's file into the helper directory (both live in the cache), copying across filesystems. */
async function place(from: string, to: string): Promise<void> {
  await link(from, to).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EXDEV') throw error;
    await copyFile(from, to);
  });
}

/** Written into each layer: how long it took to build, for the manifest. */
const BUILD_SECONDS = 'build-seconds';

/** Builds a cache layer once, timing it. */
async function ensureLayer(dir: string, tools: { log: Logger; processes: Processes }, build: (scratch: string) => Promise<void>): Promise<void> {
  await buildOnce(dir, tools, async (scratch) => {
    requireRoot();
    const [, took] = await seconds(() => build(scratch));
    await writeFile(join(scratch, BUILD_SECONDS), `${took}\n`);
    tools.log.info({ layer: dir, seconds: took }, 'built a layer of the helper image');
  });
}

/** How long a layer took to build; null for a layer built before this was recorded. */
async function buildSecondsOf(layer: string): Promise<number | null> {
  const text = await readFile(join(layer, BUILD_SECONDS), 'utf8').catch(() => null);
  return text === null ? null : Number(text);
}

interface HelperDirParts {
  readonly key: string;
  readonly rootLayer: string;
  readonly kernelLayer: string;
  readonly kernel: KernelPackage;
  readonly program: HelperProgram;
}

/** Fills a HELPER_DIR: links to the layers' root and kernel, a new initrd, and the manifest. */
async function assembleHelperDir(dir: string, parts: HelperDirParts, processes: Processes): Promise<void> {
  const { rootLayer, kernelLayer, program } = parts;
  const [, initrdSeconds] = await seconds(async () => {
    await place(join(rootLayer, rootLayerFiles.image), join(dir, helperDirFiles.image));
    await place(join(kernelLayer, kernelLayerFiles.vmlinux), join(dir, helperDirFiles.kernel));
    await copyFile(join(rootLayer, rootLayerFiles.packages), join(dir, helperDirFiles.packages));
    const rootImage = join(rootLayer, rootLayerFiles.image);
    const helperSnapshot = program.snapshotScript && (await buildStartupSnapshot(rootImage, program.snapshotScript, processes));
    await buildInitrd(join(dir, helperDirFiles.initrd), { init: recipeFiles.init, helperProgram: program.bytes, helperSnapshot }, processes);
  });
  const sizes: Record<string, number> = {};
  for (const file of [helperDirFiles.kernel, helperDirFiles.initrd, helperDirFiles.image]) sizes[file] = (await stat(join(dir, file))).size;
  const manifest = {
    recipe: parts.key,
    layers: { root: basename(rootLayer), kernel: basename(kernelLayer) },
    kernel: {
      source: sourcePackage(parts.kernel),
      version: parts.kernel.version,
      release: (await readFile(join(kernelLayer, kernelLayerFiles.release), 'utf8')).trim(),
    },
    helperProgram: program.source,
    startupSnapshot: program.snapshotScript !== undefined,
    sizes,
    buildSeconds: { root: await buildSecondsOf(rootLayer), kernel: await buildSecondsOf(kernelLayer), initrd: initrdSeconds },
    builtAt: new Date().toISOString(),
  };
  await writeFile(join(dir, helperDirFiles.manifest), `${JSON.stringify(manifest, null, 2)}\n`);
  await writeFile(join(dir, helperDirFiles.version), `${parts.key}\n`);
}

/**
 * Returns a HELPER_DIR (kernel, initrd, image) for the current recipe, building
 * what is missing. Two layers are cached apart: the root image is keyed by the
 * package list and the Node pin, the kernel by its configuration and Debian's
 * kernel version (a build of several minutes); the initrd,
 * which carries the helper program, is cheap to rebuild when the program
 * changes.
 */
export async function ensureHelperImage(options: HelperImageOptions): Promise<string> {
  const log = options.log.child({ component: 'helper-image' });
  const processes = options.processes ?? realProcesses;
  const cacheDir = options.cacheDir ?? process.env.SNF_IMAGE_HELPER_CACHE ?? DEFAULT_CACHE_DIR;
  const tools = { log, processes };
  await mkdir(join(cacheDir, 'layers'), { recursive: true });

  const [helperDir, took] = await seconds(async () => {
    const program = await helperProgram(options.helperProgram, { ...tools, cacheDir });
    const kernel = await resolveKernelPackage(processes);
    const rootKey = await cacheKey({ files: [recipeFiles.packages, recipeFiles.node, sourceOf('rootfs.ts'), sourceOf('node-binary.ts'), sourceOf('mounts.ts')] });
    const kernelKey = await cacheKey({ files: [recipeFiles.kernelConfig, sourceOf('kernel.ts'), sourceOf('source-edit.ts'), sourceOf('ufs-superblock-patch.ts'), sourceOf('init-memory-poison-patch.ts')], values: [kernel.name, kernel.version] });
    const key = await cacheKey({ files: [recipeFiles.init, sourceOf('initramfs.ts'), sourceOf('build.ts'), sourceOf('startup-snapshot.ts')], values: [rootKey, kernelKey, program.bytes, program.snapshotScript ?? ''] });
    const rootLayer = join(cacheDir, 'layers', `root-${rootKey}`);
    const kernelLayer = join(cacheDir, 'layers', `kernel-${kernelKey}`);
    const helperDir = join(cacheDir, key);

    await ensureLayer(rootLayer, tools, async (scratch) => buildRootLayer(scratch, { packages: await readList(recipeFiles.packages), node: await readNodePin(recipeFiles.node) }, tools));
    await ensureLayer(kernelLayer, tools, async (scratch) => buildKernelLayer(scratch, kernel, recipeFiles.kernelConfig, tools));
    await buildOnce(helperDir, tools, async (scratch) => {
      requireRoot();
      await assembleHelperDir(scratch, { key, rootLayer, kernelLayer, kernel, program }, processes);
    });
    const inUse = [key, ...[rootLayer, kernelLayer].map((layer) => `layers/${basename(layer)}`)];
    if (options.prune) await pruneHelperCache(cacheDir, inUse, log);
    return helperDir;
  });
  const { sizes, helperProgram: source } = JSON.parse(await readFile(join(helperDir, helperDirFiles.manifest), 'utf8')) as { sizes: Record<string, number>; helperProgram: string };
  log.info({ helperDir, seconds: took, sizes, helperProgram: source }, 'helper image ready');
  return helperDir;
}
