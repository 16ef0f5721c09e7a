import { SnfImageError } from '../../errors.ts';
import type { InputFiles } from './input-files.ts';
import { parseShellAssignments } from './shell-assignments.ts';
import { mergeLayers, type SourcedValue, type ValueLayer } from './sourced-value.ts';

/** Where snf-image keeps its configuration since 0.22.4. */
export const CONFIG_FILE = '/etc/snf-image/snf-image.conf';
/** Where snf-image's documentation still puts it; read too, and CONFIG_FILE wins where both set a value. */
export const LEGACY_CONFIG_FILE = '/etc/default/snf-image';
/** Environment variable naming one file to read instead of both (tests, unusual installations). */
export const CONFIG_FILE_OVERRIDE = 'SNF_IMAGE_CONFIG_FILE';

export class ConfigFileReadError extends SnfImageError {
  override readonly name = 'ConfigFileReadError';
  constructor(
    readonly file: string,
    cause: unknown,
  ) {
    super(`cannot read ${file}: ${cause instanceof Error ? cause.message : String(cause)}; check its permissions (it is read as root)`, { cause });
  }
}

/** The configuration files to read, lowest precedence first. */
export function configFilePaths(env: Readonly<Record<string, string | undefined>>): readonly string[] {
  const override = env[CONFIG_FILE_OVERRIDE];
  return override !== undefined && override !== '' ? [override] : [LEGACY_CONFIG_FILE, CONFIG_FILE];
}

/** The assignments of all configuration files, merged; missing files count as empty. */
export async function readConfigFiles(paths: readonly string[], files: InputFiles): Promise<ValueLayer> {
  const layers: ValueLayer[] = [];
  for (const path of paths) layers.push((await readAssignmentsFile(path, files)) ?? new Map());
  return mergeLayers(layers);
}

/**
 * One file of NAME=value lines as a layer keyed by name (the last assignment
 * of a name wins, as in the shell), or undefined when the file does not exist.
 */
export async function readAssignmentsFile(path: string, files: InputFiles): Promise<ValueLayer | undefined> {
  let text: string | undefined;
  try {
    text = await files.readText(path);
  } catch (error) {
    throw new ConfigFileReadError(path, error);
  }
  if (text === undefined) return undefined;
  const layer = new Map<string, SourcedValue>();
  for (const { name, value, line } of parseShellAssignments(text, path)) {
    layer.set(name, { name, value, where: `${path} line ${line}` });
  }
  return layer;
}
