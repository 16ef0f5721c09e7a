import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const GOLDEN_DIR = join(dirname(fileURLToPath(import.meta.url)), '../golden');

/**
 * Compares text with test/helper/tasks/golden/<name>.txt. With
 * SNF_IMAGE_UPDATE_GOLDEN=1 the file is (re)written instead: review the diff.
 */
export async function assertGolden(name: string, actual: string): Promise<void> {
  const path = join(GOLDEN_DIR, `${name}.txt`);
  if (process.env.SNF_IMAGE_UPDATE_GOLDEN === '1') {
    await fs.mkdir(dirname(path), { recursive: true });
    await fs.writeFile(path, actual);
    return;
  }
  const expected = await fs.readFile(path, 'utf8').catch(() => {
    throw new Error(`no golden file ${path}: run with SNF_IMAGE_UPDATE_GOLDEN=1 and review it`);
  });
  assert.equal(actual, expected, `output differs from ${path}`);
}
