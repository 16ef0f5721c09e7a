import { SnfImageError } from '../../errors.ts';

/**
 * snf-image's configuration and variant files are shell that snf-image
 * sources. We read the same files as data and never run them: only
 * `NAME=value` assignments (optionally after `export`), with shell quoting
 * ('...', "...", backslashes), comments and line continuations. Anything that
 * would make a shell run code or expand a value (commands, `$VAR`, `$(...)`,
 * backticks, `~`) is an error, because reading it differently from the shell
 * would silently change its meaning.
 *
 * Errors name the file, the line and the variable, never the value: these
 * files may hold passwords.
 */
export interface ShellAssignment {
  readonly name: string;
  readonly value: string;
  readonly line: number;
}

export class ShellSyntaxError extends SnfImageError {
  override readonly name = 'ShellSyntaxError';
  constructor(
    readonly file: string,
    readonly line: number,
    problem: string,
  ) {
    super(`${file} line ${line}: ${problem}. The file is read as NAME=value lines and never run as a shell script.`);
  }
}

interface Word {
  text: string;
  line: number;
  /** The leading characters that were neither quoted nor escaped: where `NAME=` must be. */
  unquotedPrefix: string;
  prefixClosed: boolean;
  /** What the shell would have expanded or run, if anything. */
  expansion?: string;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ASSIGNMENT_PREFIX = /^([A-Za-z_][A-Za-z0-9_]*)=/;
const BARE_ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=$/;
const SHELL_OPERATORS = new Set(['|', '&', '<', '>', '(', ')']);

export function parseShellAssignments(text: string, file: string): ShellAssignment[] {
  const assignments: ShellAssignment[] = [];
  for (const statement of tokenize(text, file)) {
    assignments.push(...statementAssignments(statement, file));
  }
  return assignments;
}

function statementAssignments(words: readonly Word[], file: string): ShellAssignment[] {
  const [first, ...rest] = words;
  if (first === undefined) return [];
  const exported = !first.prefixClosed && first.text === 'export';
  const candidates = exported ? rest : words;
  const assignments: ShellAssignment[] = [];
  for (const word of candidates) {
    const match = ASSIGNMENT_PREFIX.exec(word.unquotedPrefix);
    if (match?.[1] === undefined) {
      if (exported && NAME.test(word.text) && word.unquotedPrefix === word.text) continue; // `export NAME` only marks it
      throw new ShellSyntaxError(file, word.line, notAnAssignment(assignments, exported || word !== first));
    }
    if (word.expansion !== undefined) {
      throw new ShellSyntaxError(
        file,
        word.line,
        `${match[1]} uses ${word.expansion}, which is not supported; write the value out, or put it in single quotes to keep it literally`,
      );
    }
    assignments.push({ name: match[1], value: word.text.slice(match[1].length + 1), line: word.line });
  }
  return assignments;
}

function notAnAssignment(before: readonly ShellAssignment[], followsAnother: boolean): string {
  const previous = before.at(-1);
  if (previous !== undefined || followsAnother) {
    const after = previous === undefined ? '' : ` ${previous.name}=...`;
    return `a word that is not NAME=value follows${after}; quote values that contain spaces ('a b')`;
  }
  return 'only NAME=value assignments are allowed here';
}

/** Splits the text into statements (lists of words), as the shell would, without expanding anything. */
function tokenize(text: string, file: string): Word[][] {
  const statements: Word[][] = [];
  let statement: Word[] = [];
  let word: Word | undefined;
  let line = 1;
  let i = 0;

  const current = (): Word => (word ??= { text: '', line, unquotedPrefix: '', prefixClosed: false });
  const appendUnquoted = (ch: string) => {
    const w = current();
    if (ch === '~' && !w.prefixClosed && BARE_ASSIGNMENT.test(w.unquotedPrefix)) {
      w.expansion ??= 'a leading ~ (home directory expansion)';
    }
    w.text += ch;
    if (!w.prefixClosed) w.unquotedPrefix += ch;
  };
  const appendQuoted = (s: string) => {
    const w = current();
    w.text += s;
    w.prefixClosed = true;
  };
  const endWord = () => {
    if (word !== undefined) statement.push(word);
    word = undefined;
  };
  const endStatement = () => {
    endWord();
    if (statement.length > 0) statements.push(statement);
    statement = [];
  };
  const markExpansion = (at: number) => {
    const w = current();
    w.expansion ??= text[at] === '`' ? 'a backtick command substitution' : dollarExpansion(text, at);
  };

  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === '\n') {
      endStatement();
      line++;
      i++;
    } else if (ch === ' ' || ch === '\t' || ch === '\r') {
      endWord();
      i++;
    } else if (ch === ';') {
      endStatement();
      i++;
    } else if (ch === '#' && word === undefined) {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (ch === '\\') {
      const next = text[i + 1];
      if (next === '\n') {
        line++;
      } else if (next !== undefined) {
        appendQuoted(next);
      }
      i += 2;
    } else if (ch === "'") {
      const start = line;
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new ShellSyntaxError(file, start, 'a single quote is never closed');
      const quoted = text.slice(i + 1, end);
      appendQuoted(quoted);
      line += countNewlines(quoted);
      i = end + 1;
    } else if (ch === '"') {
      const start = line;
      current().prefixClosed = true;
      i++;
      for (;;) {
        const c = text[i];
        if (c === undefined) throw new ShellSyntaxError(file, start, 'a double quote is never closed');
        if (c === '"') break;
        if (c === '\\' && text[i + 1] !== undefined && '$`"\\\n'.includes(text[i + 1] as string)) {
          if (text[i + 1] === '\n') line++;
          else appendQuoted(text[i + 1] as string);
          i += 2;
          continue;
        }
        if ((c === '$' && startsExpansion(text, i)) || c === '`') markExpansion(i);
        if (c === '\n') line++;
        appendQuoted(c);
        i++;
      }
      i++;
    } else if ((ch === '$' && startsExpansion(text, i)) || ch === '`') {
      markExpansion(i);
      // Skip a $(...) whole, so its parenthesis is reported as the substitution it is.
      const end = text[i + 1] === '(' ? closingParenthesis(text, i + 1) : i + 1;
      for (const c of text.slice(i, end)) appendUnquoted(c);
      i = end;
    } else if (SHELL_OPERATORS.has(ch)) {
      throw new ShellSyntaxError(file, line, `the shell operator ${ch} is not allowed; quote the value if it is part of it`);
    } else {
      appendUnquoted(ch);
      i++;
    }
  }
  endStatement();
  return statements;
}

function startsExpansion(text: string, at: number): boolean {
  const next = text[at + 1];
  return next !== undefined && /[A-Za-z0-9_{(@*#?$!'"-]/.test(next);
}

function dollarExpansion(text: string, at: number): string {
  const next = text[at + 1];
  if (next === '(') return 'a $(...) command substitution';
  if (next === "'" || next === '"') return `$${next}...${next} quoting`;
  return 'a $ variable expansion';
}

/** The index after the parenthesis that closes the one at `open`, or the end of its line. */
function closingParenthesis(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length && text[i] !== '\n'; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return i + 1;
  }
  const newline = text.indexOf('\n', open);
  return newline < 0 ? text.length : newline;
}

function countNewlines(s: string): number {
  let n = 0;
  for (const c of s) if (c === '\n') n++;
  return n;
}
