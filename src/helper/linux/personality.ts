import { SnfImageError } from '../../errors.ts';

/** One file of img_personality. */
export interface PersonalityFile {
  readonly path: string;
  readonly contents: Buffer;
  readonly owner: string | undefined;
  readonly group: string | undefined;
  /** Permission bits; JSON gives them in decimal (420 is 0644). */
  readonly mode: number;
}

/** inject-files.py's default mode, 0440. */
const DEFAULT_MODE = 0o440;

export class PersonalityError extends SnfImageError {
  override readonly name = 'PersonalityError';
}

/** Parses and checks img_personality; each error names the entry and field at fault. */
export function parsePersonality(json: string): PersonalityFile[] {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    // Without the parser's message: it quotes the text around the error, and the file contents are secret.
    throw new PersonalityError('img_personality is not valid JSON: give a JSON list of {path, contents, owner, group, mode} objects');
  }
  if (!Array.isArray(value)) throw new PersonalityError('img_personality must be a JSON list of {path, contents, owner, group, mode} objects');
  return value.map((entry: unknown, index) => parseEntry(entry, `img_personality[${index}]`));
}

function parseEntry(entry: unknown, where: string): PersonalityFile {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new PersonalityError(`${where} must be an object with path and contents`);
  const record = entry as Record<string, unknown>;
  const path = record.path;
  if (typeof path !== 'string' || !path.startsWith('/') || path.endsWith('/') || path.includes('\0')) {
    throw new PersonalityError(`${where}.path must be an absolute file path (a string starting with "/")`);
  }
  const contents = record.contents;
  if (typeof contents !== 'string' || !/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(contents)) {
    throw new PersonalityError(`${where}.contents must be a base64 string (${path})`);
  }
  return {
    path,
    contents: Buffer.from(contents, 'base64'),
    owner: optionalName(record.owner, `${where}.owner`),
    group: optionalName(record.group, `${where}.group`),
    mode: parseMode(record.mode, `${where}.mode`),
  };
}

function optionalName(value: unknown, where: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !/^[A-Za-z0-9_.][A-Za-z0-9_.-]*\$?$/.test(value)) {
    throw new PersonalityError(`${where} must be a user or group name (a string)`);
  }
  return value;
}

function parseMode(value: unknown, where: string): number {
  if (value === undefined || value === null) return DEFAULT_MODE;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0o7777) {
    throw new PersonalityError(`${where} must be a whole number from 0 to 4095, the decimal form of the octal mode (420 for 0644)`);
  }
  return value;
}
