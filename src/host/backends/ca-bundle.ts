import { readFile } from 'node:fs/promises';
import { SnfImageError } from '../../errors.ts';

export class CaBundleUnusable extends SnfImageError {
  override readonly name = 'CaBundleUnusable';
  constructor(readonly path: string, reason: string) {
    super(`CA_BUNDLE ${path} ${reason}: set it to a PEM file of certificate authorities (-----BEGIN CERTIFICATE----- blocks), or remove it to trust the system's`);
  }
}

/** The certificates of CA_BUNDLE, read for each download, so a renewed bundle is taken without a restart. */
export async function readCaBundle(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new CaBundleUnusable(path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) throw new CaBundleUnusable(path, 'holds no certificate');
  return text;
}
