import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** A digest of a whole disk or image, to show that a run wrote nothing to it. */
export async function diskDigest(disk: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(disk)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
