import { MONITOR_LIMITS } from './monitor-limits.ts';

/**
 * The writer of the monitor channel (the helper's side; monitor-parser.ts
 * is the host's): TASK_START:, TASK_END:, WARNING:, ERROR: and STDERR:<n>:
 * lines within MONITOR_LIMITS. A message is flattened to one line and cut to
 * fit, because a newline or an overlong line would make the host's monitor
 * reject the whole stream.
 */

export const taskStartLine = (task: string) => `TASK_START:${task}`;
export const taskEndLine = (task: string) => `TASK_END:${task}`;
export const warningLine = (message: string) => fit(`WARNING: ${oneLine(message)}`);
export const errorLine = (message: string) => fit(`ERROR: ${oneLine(message)}`);

/** The last lines of a failing command's stderr, as one STDERR:<n>: block. */
export function stderrLines(stderr: readonly string[]): string[] {
  const tail = stderr.filter((line) => line.trim() !== '').slice(-MONITOR_LIMITS.stderrLines).map((line) => fit(oneLine(line)));
  if (tail.length === 0) return [];
  const [first, ...rest] = tail;
  return [fit(`STDERR:${tail.length}:${first}`), ...rest];
}

/**
 * Keeps the stream within MONITOR_LIMITS.lines: warnings stop once the stream
 * nears the limit, leaving room for the TASK_START/TASK_END lines of a full
 * task table and an error block, which the host acts on.
 */
export const WARNING_LINES_UNTIL = MONITOR_LIMITS.lines - 50;

export function withinBudget(lines: readonly string[], alreadyWritten: number): string[] {
  let written = alreadyWritten;
  return lines.filter((line) => {
    const keep = !line.startsWith('WARNING:') || written < WARNING_LINES_UNTIL;
    if (keep) written += 1;
    return keep;
  });
}

export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

/** Cuts a line so that it fits with its newline. */
function fit(line: string): string {
  const max = MONITOR_LIMITS.lineChars - 1;
  return line.length <= max ? line : `${line.slice(0, max - 3)}...`;
}
