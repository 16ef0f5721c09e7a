/**
 * The limits of the monitor channel, snf-image's: the helper's writer
 * (monitor-lines.ts) keeps within them and the host's parser
 * (monitor-parser.ts) rejects a stream that breaks them.
 */
export const MONITOR_LIMITS = {
  /** Characters in a line, its newline included. */
  lineChars: 512,
  /** Lines the helper may send in a whole run, blank and STDERR lines included. */
  lines: 100,
  /** Lines one STDERR excerpt may announce. */
  stderrLines: 10,
} as const;
