import { SnfImageError } from '../../errors.ts';

export class IniFileError extends SnfImageError {
  override readonly name = 'IniFileError';
}

type Line =
  | { readonly kind: 'section'; readonly name: string; readonly text: string }
  | { readonly kind: 'entry'; readonly key: string; readonly value: string; readonly text: string }
  | { readonly kind: 'other'; readonly text: string };

const SECTION = /^\s*\[([^\]]*)\]/;
const ENTRY = /^\s*([^=;#\s[][^=]*?)\s*=(.*)$/;

/**
 * An INI file as Windows reads it (sysprep.inf, CmdLines.txt): sections and
 * keys match ignoring case and surrounding spaces, a key belongs to the
 * section it appears in, and a value may be quoted. Edits keep every other
 * line, comment and the file's line ends as they were. Unlike snf-image's
 * handle-ini-file.py, a key is looked up only in its own section and is never
 * written twice: a sloppy file that repeats a section or a key is read as
 * Windows reads it (the first one wins) and left with one copy of the key set.
 */
export class IniFile {
  readonly #lines: Line[];
  readonly #eol: string;
  readonly #finalEol: boolean;

  private constructor(lines: Line[], eol: string, finalEol: boolean) {
    this.#lines = lines;
    this.#eol = eol;
    this.#finalEol = finalEol;
  }

  static parse(text: string): IniFile {
    const eol = text.includes('\r\n') ? '\r\n' : '\n';
    const body = text.replace(/^\uFEFF/, '');
    const finalEol = body === '' || /\r?\n$/.test(body);
    const raw = body.split(/\r?\n/);
    if (finalEol) raw.pop();
    return new IniFile(raw.map(parseLine), eol, finalEol);
  }

  /** The value, without surrounding quotes, or undefined when the section lacks the key. */
  get(section: string, key: string): string | undefined {
    const index = this.#entries(section, key)[0];
    if (index === undefined) return undefined;
    return unquote((this.#lines[index] as Extract<Line, { kind: 'entry' }>).value.trim());
  }

  /** Sets a key, keeping the spelling of an existing one; the section is added when missing. */
  set(section: string, key: string, value: string): void {
    if (/[\r\n]/.test(value) || /[\r\n=[\]]/.test(key) || /[\r\n\]]/.test(section)) {
      throw new IniFileError(`cannot set ${section}/${key}: INI sections, keys and values cannot contain line breaks`);
    }
    const [first, ...duplicates] = this.#entries(section, key);
    if (first !== undefined) {
      const line = this.#lines[first] as Extract<Line, { kind: 'entry' }>;
      const indent = /^\s*/.exec(line.text)![0];
      this.#lines[first] = { kind: 'entry', key: line.key, value, text: `${indent}${line.key}=${value}` };
      for (const index of duplicates.reverse()) this.#lines.splice(index, 1);
      return;
    }
    const entry: Line = { kind: 'entry', key, value, text: `${key}=${value}` };
    const start = this.#lines.findIndex((line) => line.kind === 'section' && sameName(line.name, section));
    if (start === -1) {
      const last = this.#lines[this.#lines.length - 1];
      if (last !== undefined && last.text.trim() !== '') this.#lines.push({ kind: 'other', text: '' });
      this.#lines.push({ kind: 'section', name: section, text: `[${section}]` }, entry);
      return;
    }
    let insertAt = start + 1;
    for (let i = start + 1; i < this.#lines.length && this.#lines[i]!.kind !== 'section'; i++) {
      if (this.#lines[i]!.text.trim() !== '') insertAt = i + 1;
    }
    this.#lines.splice(insertAt, 0, entry);
  }

  toString(): string {
    const text = this.#lines.map((line) => line.text).join(this.#eol);
    return this.#finalEol || this.#lines.length === 0 ? `${text}${this.#lines.length > 0 ? this.#eol : ''}` : text;
  }

  /** Indexes of the key's lines in every block of the section, in file order. */
  #entries(section: string, key: string): number[] {
    const found: number[] = [];
    let inSection = sameName(section, '');
    this.#lines.forEach((line, index) => {
      if (line.kind === 'section') inSection = sameName(line.name, section);
      else if (inSection && line.kind === 'entry' && sameName(line.key, key)) found.push(index);
    });
    return found;
  }
}

function parseLine(text: string): Line {
  const section = SECTION.exec(text);
  if (section) return { kind: 'section', name: section[1]!, text };
  const entry = ENTRY.exec(text);
  if (entry) return { kind: 'entry', key: entry[1]!, value: entry[2]!, text };
  return { kind: 'other', text };
}

function sameName(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
}
