/**
 * The executable scripts of the OS definition. Ganeti runs each with
 * PATH=/sbin:/bin:/usr/sbin:/usr/bin, umask 0077 and the OS directory as cwd,
 * so a script names node and our program by absolute path and relies on
 * nothing else from its environment.
 */
export const OS_SCRIPT_NAMES = ['create', 'import', 'export', 'rename', 'verify'] as const;
export type OsScriptName = (typeof OS_SCRIPT_NAMES)[number];

export interface ProgramPaths {
  /** The node binary, absolute. */
  readonly node: string;
  /** bin/snf-image.js, absolute. */
  readonly entry: string;
}

/** A word the shell takes literally, whatever it contains. */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** `exec` keeps the pid and the file descriptors Ganeti set up (stdin, stdout, EXP_SIZE_FD). */
export function osScriptText(script: OsScriptName, program: ProgramPaths): string {
  return [
    '#!/bin/sh',
    `# The snf-image OS definition's ${script} script, written by \`snf-image install-os\`.`,
    '# Ganeti passes its arguments (verify: "parameters") and environment through unchanged.',
    `exec ${shellQuote(program.node)} ${shellQuote(program.entry)} ${script} "$@"`,
    '',
  ].join('\n');
}
