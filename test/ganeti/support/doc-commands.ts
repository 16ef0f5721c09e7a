import { readFile } from 'node:fs/promises';
import { REPO_DIR } from './install-snf-image.ts';

/**
 * The operator's commands of the README and docs/ganeti.md, read from the
 * documents themselves so that the Ganeti test runs what a reader pastes. A
 * block is the fenced block right after the comment
 * `<!-- test/ganeti/ganeti.test.ts runs this block as written: NAME -->`.
 */
const MARKER = /<!-- test\/ganeti\/ganeti\.test\.ts runs this block as written: ([\w-]+) -->\n```sh\n([\s\S]*?)\n```/g;

export async function docCommands(...documents: string[]): Promise<Map<string, string>> {
  const blocks = new Map<string, string>();
  for (const document of documents) {
    const text = await readFile(`${REPO_DIR}${document}`, 'utf8');
    for (const [, name, block] of text.matchAll(MARKER)) {
      if (blocks.has(name!)) throw new Error(`${document}: a second block is named ${name}`);
      blocks.set(name!, block!);
    }
  }
  return blocks;
}

export function docCommand(blocks: Map<string, string>, name: string): string {
  const block = blocks.get(name);
  if (block === undefined) throw new Error(`no documented command block named ${name}`);
  return block;
}
