import { join } from 'node:path';
import { FAMILY_TREES, type Family } from './family-trees.ts';
import { scratchDir, writeTree } from './guest-trees.ts';

/** A fresh guest tree of one family in a new scratch directory (push `scratch` for removal). */
export async function familyRoot(family: Family): Promise<{ root: string; scratch: string }> {
  const scratch = await scratchDir(family);
  const root = join(scratch, 'root');
  await writeTree(root, FAMILY_TREES[family]);
  return { root, scratch };
}
