import { execFileSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const FIXTURE_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '../../../../scripts/fixtures/debian-guest-tree.sh');

let debianTree: string | undefined;

/**
 * The cached Debian 12 guest tree built by the project's fixture script
 * (debootstrap, about 40 s the first time), never modified: copy it first.
 */
export function cachedDebianTree(): string {
  debianTree ??= execFileSync('sh', [FIXTURE_SCRIPT], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  return debianTree;
}

/**
 * Scratch space in memory where there is a tmpfs: every Debian test copies
 * a tree of about 120 MB, which on a busy shared disk costs seconds a copy.
 */
const SCRATCH_BASE = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();

/** A scratch directory that the test removes with `removeScratch`. */
export async function scratchDir(label: string): Promise<string> {
  return fs.mkdtemp(join(SCRATCH_BASE, `snf-image-${label}-`));
}

export async function removeScratch(dir: string): Promise<void> {
  await fs.rm(dir, { recursive: true, force: true });
}

/** A private copy of the Debian guest tree (cp -a keeps owners, modes and symlinks). */
export async function copyDebianTree(): Promise<{ root: string; scratch: string }> {
  const scratch = await scratchDir('debian');
  const root = join(scratch, 'root');
  execFileSync('cp', ['-a', cachedDebianTree(), root]);
  return { root, scratch };
}

/** Files of a guest tree, guest path to contents; the value `/` makes a directory. */
export type TreeSpec = Readonly<Record<string, string | { readonly text: string; readonly mode: number } | { readonly symlink: string }>>;

export async function writeTree(root: string, spec: TreeSpec): Promise<void> {
  for (const [path, content] of Object.entries(spec)) {
    const host = join(root, path);
    if (content === '/') {
      await fs.mkdir(host, { recursive: true });
      continue;
    }
    await fs.mkdir(dirname(host), { recursive: true });
    if (typeof content === 'string') await fs.writeFile(host, content);
    else if ('symlink' in content) await fs.symlink(content.symlink, host);
    else {
      await fs.writeFile(host, content.text);
      await fs.chmod(host, content.mode);
    }
  }
}
