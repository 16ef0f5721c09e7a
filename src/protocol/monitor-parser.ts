import { SnfImageError } from '../errors.ts';
import { MONITOR_LIMITS } from './monitor-limits.ts';

/**
 * The parser of the monitor channel (the host's side; monitor-lines.ts is
 * the helper's): the line protocol the helper speaks on its monitor port and
 * the `image-helper` messages the host makes of it, within MONITOR_LIMITS.
 *
 *   TASK_START:<task>   TASK_END:<task>   WARNING:<text>   ERROR:<text>
 *   STDERR:<n>:<first line>, then n-1 lines taken as they are
 *
 * A WARNING or ERROR text that starts with `"` right after the colon is a
 * JSON string, so a helper can send a message with newlines without breaking
 * the framing. snf-image's helper always put a space after the colon, so its
 * plain texts are never mistaken for JSON.
 */

export type ImageHelperMessage =
  | { readonly type: 'image-helper'; readonly subtype: 'task-start' | 'task-end'; readonly task: string }
  | { readonly type: 'image-helper'; readonly subtype: 'warning' | 'error'; readonly messages: readonly [string] }
  | { readonly type: 'image-helper'; readonly subtype: 'error'; readonly stderr: string };

export class MonitorProtocolError extends SnfImageError {
  override readonly name = 'MonitorProtocolError';
  constructor(readonly reason: string) {
    super(`the helper broke the monitor protocol: ${reason}`);
  }
}

const COMMANDS = { TASK_START: 'task-start', TASK_END: 'task-end', WARNING: 'warning', ERROR: 'error' } as const;
type Command = keyof typeof COMMANDS;

/** Turns the monitor channel's text, in chunks as it arrives, into messages. */
export class MonitorChannelParser {
  #pending = '';
  #lines = 0;
  #stderr: { text: string; left: number } | undefined;
  #failure: MonitorProtocolError | undefined;

  /** Throws MonitorProtocolError on the first violation, and on every call after it. */
  push(chunk: string): ImageHelperMessage[] {
    if (this.#failure) throw this.#failure;
    this.#pending += chunk;
    const messages: ImageHelperMessage[] = [];
    let newline: number;
    while ((newline = this.#pending.indexOf('\n')) !== -1) {
      const line = this.#pending.slice(0, newline);
      this.#pending = this.#pending.slice(newline + 1);
      this.#guard(() => {
        this.#checkLength(line.length + 1);
        const message = this.#line(line);
        if (message) messages.push(message);
      });
    }
    // The newline still to come counts too.
    this.#guard(() => this.#checkLength(this.#pending.length + 1));
    return messages;
  }

  /** The channel closed: a last line without newline still counts, a cut STDERR excerpt is sent as it is. */
  end(): ImageHelperMessage[] {
    const messages = this.#pending === '' ? [] : this.push('\n');
    if (this.#stderr) messages.push({ type: 'image-helper', subtype: 'error', stderr: this.#stderr.text });
    this.#stderr = undefined;
    return messages;
  }

  #guard(step: () => void): void {
    try {
      step();
    } catch (error) {
      if (error instanceof MonitorProtocolError) this.#failure = error;
      throw error;
    }
  }

  #checkLength(chars: number): void {
    if (chars > MONITOR_LIMITS.lineChars) {
      throw new MonitorProtocolError(`line ${this.#lines + 1} is longer than ${MONITOR_LIMITS.lineChars} characters`);
    }
  }

  #line(raw: string): ImageHelperMessage | undefined {
    this.#lines += 1;
    if (this.#lines > MONITOR_LIMITS.lines) throw new MonitorProtocolError(`more than ${MONITOR_LIMITS.lines} lines in one run`);
    if (this.#stderr) return this.#stderrLine(raw);
    const line = raw.trim();
    if (line === '') return undefined;
    if (line.startsWith('STDERR:')) return this.#stderrStart(line);
    const colon = line.indexOf(':');
    const command = line.slice(0, colon);
    if (colon === -1 || !Object.hasOwn(COMMANDS, command)) {
      throw new MonitorProtocolError(`line ${this.#lines} has an unknown command: ${JSON.stringify(line.slice(0, 40))}`);
    }
    const value = line.slice(colon + 1);
    const subtype = COMMANDS[command as Command];
    if (subtype === 'task-start' || subtype === 'task-end') return { type: 'image-helper', subtype, task: value };
    return { type: 'image-helper', subtype, messages: [decodeText(value)] };
  }

  #stderrStart(line: string): ImageHelperMessage | undefined {
    const match = /^STDERR:(\d+):(.*)$/s.exec(line);
    if (!match) throw new MonitorProtocolError(`line ${this.#lines} is not STDERR:<lines>:<text>`);
    const count = Number(match[1]);
    if (count > MONITOR_LIMITS.stderrLines) {
      throw new MonitorProtocolError(`line ${this.#lines} announces ${count} STDERR lines, more than ${MONITOR_LIMITS.stderrLines}`);
    }
    if (count === 0) return { type: 'image-helper', subtype: 'error', stderr: '' };
    this.#stderr = { text: '', left: count };
    return this.#stderrLine(match[2] ?? '');
  }

  #stderrLine(raw: string): ImageHelperMessage | undefined {
    const excerpt = this.#stderr!;
    // A serial line discipline may turn \n into \r\n.
    excerpt.text += `${raw.replace(/\r$/, '')}\n`;
    excerpt.left -= 1;
    if (excerpt.left > 0) return undefined;
    this.#stderr = undefined;
    return { type: 'image-helper', subtype: 'error', stderr: excerpt.text };
  }
}

function decodeText(value: string): string {
  if (!value.startsWith('"')) return value;
  try {
    const decoded: unknown = JSON.parse(value);
    return typeof decoded === 'string' ? decoded : value;
  } catch {
    return value;
  }
}
