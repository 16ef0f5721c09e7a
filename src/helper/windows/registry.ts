import { SnfImageError } from '../../errors.ts';
import type { Processes } from '../../effects/processes.ts';

/** A registry hive that lacks what a task needs, or that the hivex tools cannot read or change. */
export class RegistryError extends SnfImageError {
  override readonly name = 'RegistryError';
}

/** A value for a .reg file: a REG_SZ string or a REG_DWORD. */
export type RegValue = { readonly string: string } | { readonly dword: number };

/**
 * One registry hive file of the guest, read and changed with the hivex
 * tools: hivexsh for reading (what hivexget runs), hivexregedit --merge for
 * writing, which keeps the other values of a key as they are. Key paths are
 * relative to the hive's root and use backslashes, e.g.
 * `Microsoft\Windows NT\CurrentVersion`; hivex matches them ignoring case.
 */
export class Hive {
  constructor(
    private readonly processes: Processes,
    /** The hive's host path, e.g. <target>/Windows/System32/config/SOFTWARE. */
    readonly path: string,
    /** How messages name it: "the SOFTWARE hive". */
    readonly label: string,
  ) {}

  /** A value as hivexget prints it (a DWORD in decimal), or undefined when the key or the value is missing. */
  async value(key: string, name: string): Promise<string | undefined> {
    const result = await this.#shell([`cd ${rootedKey(key)}`, `lsval ${name === '' ? '@' : name}`]);
    if (result === undefined) return undefined;
    return result.replace(/\n$/, '');
  }

  /** A value that must be there; missing is an error naming the key, the value and the hive. */
  async requiredValue(key: string, name: string, why: string): Promise<string> {
    const value = await this.value(key, name);
    if (value === undefined) throw new RegistryError(`${this.label} has no value ${name} under ${key}: ${why}`);
    return value;
  }

  /** The names of a key's subkeys, or undefined when the key is missing. */
  async subkeys(key: string): Promise<string[] | undefined> {
    const result = await this.#shell([`cd ${rootedKey(key)}`, 'ls']);
    return result?.split('\n').filter((line) => line !== '');
  }

  /**
   * Sets values of a key, creating the key and its missing ancestors; other
   * values of the key are kept.
   */
  async setValues(key: string, values: Readonly<Record<string, RegValue>>): Promise<void> {
    const { exitCode, stderr } = await this.processes.run('hivexregedit', ['--merge', this.path], { input: regFile(key, values), allowFailure: true });
    if (exitCode !== 0) throw new RegistryError(`cannot change ${key} in ${this.label}: ${firstLine(stderr)}`);
  }

  /** Runs hivexsh commands; undefined when a key or value they name is missing. */
  async #shell(commands: readonly string[]): Promise<string | undefined> {
    for (const command of commands) {
      if (/[\r\n]/.test(command)) throw new RegistryError(`a registry path or value name cannot contain a line break: ${JSON.stringify(command)}`);
    }
    const { exitCode, stdout, stderr } = await this.processes.run('hivexsh', [this.path], { input: `${commands.join('\n')}\n`, allowFailure: true });
    if (exitCode === 0) return stdout;
    if (/not found/.test(stderr)) return undefined;
    throw new RegistryError(`cannot read ${this.label} (${this.path}): ${firstLine(stderr)}`);
  }
}

/**
 * A .reg file for hivexregedit --merge setting values of one key. Every
 * ancestor is listed too: hivexregedit creates a key only below an existing one.
 */
export function regFile(key: string, values: Readonly<Record<string, RegValue>>): string {
  const parts = splitKey(key);
  const sections = parts.map((_, i) => `[\\${parts.slice(0, i + 1).join('\\')}]\n`);
  const lines = Object.entries(values).map(([name, value]) => `${regQuote(name)}=${regData(value)}\n`);
  sections[sections.length - 1] += lines.join('');
  return `Windows Registry Editor Version 5.00\n\n${sections.join('\n')}`;
}

function regData(value: RegValue): string {
  if ('dword' in value) {
    if (!Number.isInteger(value.dword) || value.dword < 0 || value.dword > 0xffffffff) throw new RegistryError(`${value.dword} is not a DWORD`);
    return `dword:${value.dword.toString(16).padStart(8, '0')}`;
  }
  // hex(1): UTF-16LE with the terminating NUL, exactly as Windows stores a REG_SZ.
  const bytes = Buffer.from(`${value.string}\0`, 'utf16le');
  return `hex(1):${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join(',')}`;
}

function regQuote(name: string): string {
  if (/[\r\n]/.test(name)) throw new RegistryError(`a registry value name cannot contain a line break: ${JSON.stringify(name)}`);
  return `"${name.replace(/[\\"]/g, '\\$&')}"`;
}

function splitKey(key: string): string[] {
  const parts = key.split('\\').filter((part) => part !== '');
  if (parts.length === 0 || parts.some((part) => /[\r\n]/.test(part))) throw new RegistryError(`${JSON.stringify(key)} is not a registry key path`);
  return parts;
}

function rootedKey(key: string): string {
  return `\\${splitKey(key).join('\\')}`;
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] || 'no message';
}
