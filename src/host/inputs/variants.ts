import { join } from 'node:path';
import { SnfImageError } from '../../errors.ts';
import { ConfigFileReadError, readAssignmentsFile } from './config-file.ts';
import type { InputFiles } from './input-files.ts';
import type { ValueLayer } from './sourced-value.ts';

/**
 * An OS variant (`-o snf-image+NAME`) is a file VARIANTS_DIR/NAME.conf of
 * NAME=value lines that supplies defaults over the configuration file: OS
 * parameters (IMG_FORMAT=diskdump) or settings. Ganeti only accepts variants
 * listed in the OS definition's variants.list; a listed ("published")
 * variant whose file is missing is an installation fault, any other an
 * unofficial variant.
 */
export interface VariantLocations {
  readonly variantsDir: string;
  readonly variantsList: string;
}

const VARIANT_NAME = /^[A-Za-z0-9_+-][A-Za-z0-9._+-]*$/;

export class InvalidVariantNameError extends SnfImageError {
  override readonly name = 'InvalidVariantNameError';
  constructor(readonly variant: string) {
    super(`OS_VARIANT ${JSON.stringify(variant)} is not a variant name: use letters, digits, '.', '_', '+' and '-' (not starting with '.')`);
  }
}

export class VariantsDirMissingError extends SnfImageError {
  override readonly name = 'VariantsDirMissingError';
  constructor(
    readonly variant: string,
    readonly variantsDir: string,
  ) {
    super(
      `variant ${JSON.stringify(variant)} was asked for, but the variants directory ${variantsDir} does not exist: ` +
        'create it with a NAME.conf for each variant, or point VARIANTS_DIR in the configuration file at it',
    );
  }
}

export class VariantConfigMissingError extends SnfImageError {
  override readonly name = 'VariantConfigMissingError';
  constructor(
    readonly variant: string,
    readonly file: string,
    variantsList: string,
  ) {
    super(`variant ${JSON.stringify(variant)} is published in ${variantsList} but its configuration file ${file} is missing: create it (an empty file is enough)`);
  }
}

export class UnofficialVariantError extends SnfImageError {
  override readonly name = 'UnofficialVariantError';
  constructor(
    readonly variant: string,
    readonly file: string,
    variantsList: string,
    published: readonly string[],
  ) {
    const known = published.length === 0 ? 'none is published' : `published: ${published.join(', ')}`;
    super(
      `variant ${JSON.stringify(variant)} is unofficial and not supported: it is not listed in ${variantsList} and ${file} does not exist (${known}). ` +
        `Use a published variant, or add ${variant} to ${variantsList} and create ${file}`,
    );
  }
}

/** The variant's assignments, or an empty layer when no variant was asked for. */
export async function readVariant(variant: string | undefined, locations: VariantLocations, files: InputFiles): Promise<ValueLayer> {
  if (variant === undefined || variant === '') return new Map();
  if (!VARIANT_NAME.test(variant)) throw new InvalidVariantNameError(variant);
  if ((await files.kind(locations.variantsDir)) !== 'directory') throw new VariantsDirMissingError(variant, locations.variantsDir);

  const file = join(locations.variantsDir, `${variant}.conf`);
  const layer = await readAssignmentsFile(file, files);
  if (layer !== undefined) return layer;

  const published = await readVariantsList(locations.variantsList, files);
  if (published.includes(variant)) throw new VariantConfigMissingError(variant, file, locations.variantsList);
  throw new UnofficialVariantError(variant, file, locations.variantsList, published);
}

async function readVariantsList(path: string, files: InputFiles): Promise<string[]> {
  let text: string;
  try {
    text = (await files.readText(path)) ?? '';
  } catch (error) {
    throw new ConfigFileReadError(path, error);
  }
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}
