import { inspect } from 'node:util';

const REDACTED = '***';

/**
 * A value that must never reach a command line, a log line or a trace.
 * It prints, serializes and inspects as `***`; only `reveal()` gives the value,
 * and callers use it at the last moment (writing a file inside the guest, say).
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}

export function isSecret(value: unknown): value is Secret {
  return value instanceof Secret;
}

/** Deep copy of a value as it may appear in a trace or a log: secrets become `***`. */
export function redacted(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value ?? null, (_key, v: unknown) => (isSecret(v) ? REDACTED : v)));
}
