import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, rmdir, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { realProcesses } from '../../../src/effects/real/processes.ts';
import { partitionPath } from '../../../src/helper/partition-nodes.ts';

const run = (command: string, args: readonly string[], input?: string) => realProcesses.run(command, args, input === undefined ? {} : { input });

export type Filesystem = 'ext4' | 'xfs' | 'btrfs' | 'ntfs' | 'swap';

export interface PartitionSpec {
  /** sfdisk size (e.g. "64M"), or none for the rest of the image. */
  readonly size?: string;
  /** sfdisk type alias or id: L (Linux), E (extended), S (swap). */
  readonly type: string;
  readonly fs?: Filesystem;
  readonly uuid?: string;
  readonly label?: string;
  /** Files to put on the filesystem, by path relative to its root. */
  readonly files?: Readonly<Record<string, string | Buffer>>;
}

export interface ImageSpec {
  readonly table: 'dos' | 'gpt';
  readonly imageMiB: number;
  /** The instance disk the image is copied to is bigger: the helper grows the image into it. */
  readonly diskMiB: number;
  /** In table order; on MBR a partition after an extended one is logical (5, 6, ...). */
  readonly partitions: readonly PartitionSpec[];
  /** Damages the built image file (a hostile image) before it is grown and attached. */
  readonly damage?: (file: string) => Promise<void>;
}

/**
 * Real disks for the helper's tests: a sparse file with a real partition
 * table and real filesystems, made bigger than the image, on a loop device.
 * Everything it sets up (loop devices, partition nodes, mounts, files) is
 * released by `release`, in reverse order, whatever happened.
 */
export class LoopDisks {
  readonly #releases: (() => Promise<unknown>)[] = [];
  readonly #attached = new Map<string, string>();
  #dir: string | undefined;

  async workdir(): Promise<string> {
    this.#dir ??= await mkdtemp(join(tmpdir(), 'snf-image-helper-test-'));
    return this.#dir;
  }

  /** Builds the image on a loop device, then attaches the grown disk; returns the loop device. */
  async create(spec: ImageSpec): Promise<string> {
    const dir = await this.workdir();
    const file = join(dir, `disk-${this.#releases.length}.img`);
    await writeFile(file, '');
    await truncate(file, spec.imageMiB * 1024 * 1024);
    const script = [`label: ${spec.table}`, ...spec.partitions.map((p, i) => `${i === 0 ? '2048' : ''},${p.size ?? ''},${p.type}`)].join('\n');
    await run('sfdisk', ['--quiet', file], `${script}\n`);
    const build = await this.attach(file);
    const numbers = partitionNumbers(spec);
    for (const [i, partition] of spec.partitions.entries()) {
      if (partition.fs) await this.#makeFilesystem(partitionPath(build, numbers[i]!), partition);
    }
    await this.detach(build);
    await spec.damage?.(file);
    await truncate(file, spec.diskMiB * 1024 * 1024);
    return this.attach(file);
  }

  async attach(file: string): Promise<string> {
    const loop = (await run('losetup', ['--find', '--show', file])).stdout.trim();
    this.#attached.set(loop, file);
    this.#releases.push(() => this.detach(loop));
    await run('partx', ['-a', loop]).catch(() => undefined);
    return loop;
  }

  /**
   * Detaches a loop device this object attached, once: loop names are reused
   * at once, and other tests on the machine attach their own, so a second
   * detach of the same name could take someone else's device.
   */
  async detach(loop: string): Promise<void> {
    const file = this.#attached.get(loop);
    if (file === undefined) return;
    this.#attached.delete(loop);
    const backing = await realProcesses.run('losetup', ['--noheadings', '--output', 'BACK-FILE', loop], { allowFailure: true });
    if (!backing.stdout.trim().startsWith(file)) return;
    await realProcesses.run('partx', ['-d', loop], { allowFailure: true });
    await realProcesses.run('losetup', ['-d', loop], { allowFailure: true });
  }

  /** Mounts a filesystem (read-only unless asked) until `release`. */
  async mount(device: string, options = 'ro', fstype?: string): Promise<string> {
    const mountpoint = await mkdtemp(join(await this.workdir(), 'mnt-'));
    await run('mount', [...(fstype ? ['-t', fstype] : []), '-o', options, device, mountpoint]);
    this.#releases.push(async () => {
      await realProcesses.run('umount', [mountpoint], { allowFailure: true });
      await rmdir(mountpoint).catch(() => undefined);
    });
    return mountpoint;
  }

  async unmount(mountpoint: string): Promise<void> {
    await run('umount', [mountpoint]);
  }

  async release(): Promise<void> {
    for (const release of this.#releases.splice(0).reverse()) await release();
    if (this.#dir) await rm(this.#dir, { recursive: true, force: true });
  }

  async #makeFilesystem(device: string, spec: PartitionSpec): Promise<void> {
    const fs = spec.fs!;
    if (fs === 'swap') {
      await run('mkswap', [device]);
      return;
    }
    if (fs === 'ntfs') {
      await run('mkntfs', ['-Q', '-F', ...(spec.label ? ['-L', spec.label] : []), device]);
      await this.#populate(device, spec, 'ntfs-3g');
      return;
    }
    const args = {
      ext4: ['-q', ...(spec.uuid ? ['-U', spec.uuid] : []), ...(spec.label ? ['-L', spec.label] : [])],
      xfs: ['-q', ...(spec.uuid ? ['-m', `uuid=${spec.uuid}`] : []), ...(spec.label ? ['-L', spec.label] : [])],
      btrfs: ['-q', ...(spec.uuid ? ['-U', spec.uuid] : []), ...(spec.label ? ['-L', spec.label] : [])],
    }[fs];
    await run(`mkfs.${fs}`, [...args, device]);
    await this.#populate(device, spec);
  }

  async #populate(device: string, spec: PartitionSpec, fstype?: string): Promise<void> {
    const mountpoint = await this.mount(device, 'rw', fstype);
    for (const [path, content] of Object.entries(spec.files ?? {})) {
      await mkdir(join(mountpoint, path, '..'), { recursive: true });
      await writeFile(join(mountpoint, path), content);
    }
    await this.unmount(mountpoint);
  }
}

/** The partition numbers sfdisk gives the spec's lines: 1-4 for primaries, 5 on for the ones after an extended. */
function partitionNumbers(spec: ImageSpec): number[] {
  let primary = 0;
  let logical = 4;
  let inExtended = false;
  return spec.partitions.map((p) => {
    if (spec.table === 'dos' && inExtended) return ++logical;
    if (p.type === 'E') inExtended = true;
    return ++primary;
  });
}

/** A digest of a file tree: every path, its kind and its content, in a fixed order. */
export async function treeDigest(root: string): Promise<string> {
  const hash = createHash('sha256');
  const walk = async (dir: string, prefix: string): Promise<void> => {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const entry of entries) {
      const rel = `${prefix}/${entry.name}`;
      if (entry.isDirectory()) {
        hash.update(`d ${rel}\n`);
        await walk(join(dir, entry.name), rel);
      } else {
        hash.update(`f ${rel}\n`);
        hash.update(await readFile(join(dir, entry.name)));
      }
    }
  };
  await walk(root, '');
  return hash.digest('hex');
}
