import { SnfImageError } from '../errors.ts';

/**
 * The trace channel: the helper machine's trace, written inside the VM on
 * its own serial port (helper-channels.ts) and written by the host into the
 * run's trace as the `helper` machine. Framing: one trace event a line, as
 * JSON, ended by `\n`; JSON escapes every newline inside a value, so a line
 * is always one whole event.
 */
export const TRACE_LINE_MAX = 1024 * 1024;

/** The machine name the helper's events carry in the run's trace. */
export const HELPER_MACHINE = 'helper';

export const traceLine = (event: unknown): string => `${JSON.stringify(event)}\n`;

export class TraceChannelError extends SnfImageError {
  override readonly name = 'TraceChannelError';
}

/**
 * Splits the channel's text, in chunks as it arrives, into parsed JSON
 * values. A line that is not JSON or is longer than TRACE_LINE_MAX throws
 * TraceChannelError; the parser then skips to the next line, so one bad line
 * costs that line only.
 */
export class TraceChannelParser {
  #pending = '';
  #skipping = false;

  push(chunk: string): { values: unknown[]; errors: TraceChannelError[] } {
    this.#pending += chunk;
    const values: unknown[] = [];
    const errors: TraceChannelError[] = [];
    let newline: number;
    while ((newline = this.#pending.indexOf('\n')) !== -1) {
      const line = this.#pending.slice(0, newline).replace(/\r$/, '');
      this.#pending = this.#pending.slice(newline + 1);
      if (this.#skipping) {
        this.#skipping = false;
        continue;
      }
      if (line.trim() === '') continue;
      try {
        values.push(JSON.parse(line));
      } catch {
        errors.push(new TraceChannelError(`a helper trace line is not JSON: ${line.slice(0, 80)}`));
      }
    }
    if (this.#pending.length > TRACE_LINE_MAX) {
      errors.push(new TraceChannelError(`a helper trace line is longer than ${TRACE_LINE_MAX} characters: dropped`));
      this.#pending = '';
      this.#skipping = true;
    }
    return { values, errors };
  }

  /** What is left when the channel closes: a last line without its newline. */
  end(): { values: unknown[]; errors: TraceChannelError[] } {
    if (this.#skipping || this.#pending.trim() === '') return { values: [], errors: [] };
    return this.push('\n');
  }
}
