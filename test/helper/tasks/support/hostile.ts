import { promises as fs } from 'node:fs';
import { join } from 'node:path';

export interface Victim {
  /** A file outside the guest, holding "untouched". */
  readonly file: string;
  /** A symlink target that reaches it from the host: its absolute path. */
  readonly absolute: string;
  /** A symlink target that reaches it from the host by climbing out with `../`. */
  readonly climbing: string;
}

/** A file outside the guest that hostile symlinks in the guest point at. */
export async function outsideVictim(scratch: string, name = 'victim'): Promise<Victim> {
  const dir = join(scratch, 'outside');
  await fs.mkdir(dir, { recursive: true });
  const file = join(dir, name);
  await fs.writeFile(file, 'untouched\n');
  // More `..` than any guest path is deep: on the host they stop at `/`.
  return { file, absolute: file, climbing: `${'../'.repeat(32)}${file.slice(1)}` };
}

export async function assertUntouched(victim: Victim): Promise<void> {
  const entries = await fs.readdir(join(victim.file, '..'));
  const text = await fs.readFile(victim.file, 'utf8');
  if (text !== 'untouched\n' || entries.length !== 1) throw new Error(`the directory ${join(victim.file, '..')} outside the guest was changed`);
}
