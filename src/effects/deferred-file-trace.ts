import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import type { Clock } from './clock.ts';
import { Tracer, type TraceEvent } from './trace.ts';

/**
 * A trace whose file is known only part way through the run (create learns
 * its trace directory from the configuration it validates first). Events
 * wait in memory until `openAt`, then go to the file as they come.
 */
export class DeferredFileTrace {
  readonly tracer: Tracer;
  /** Everything traced so far, for the run's summary. */
  readonly events: TraceEvent[] = [];
  #pending: TraceEvent[] = [];
  #stream: WriteStream | undefined;
  #path: string | undefined;

  /** `onEvent` sees every event as it is traced (already redacted), e.g. to log it. */
  constructor(clock: Clock, onEvent: (event: TraceEvent) => void = () => {}) {
    this.tracer = new Tracer(
      clock,
      (event) => {
        this.events.push(event);
        onEvent(event);
        if (this.#stream) this.#stream.write(`${JSON.stringify(event)}\n`);
        else this.#pending.push(event);
      },
      () => this.#close(),
    );
  }

  get path(): string | undefined {
    return this.#path;
  }

  /** Starts writing to `path` (its directory is created, mode 0700: traces name instances and images). */
  openAt(dir: string, name: string): string {
    if (this.#path) return this.#path;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.#path = `${dir.replace(/\/+$/, '')}/${name}`;
    this.#stream = createWriteStream(this.#path, { flags: 'wx', mode: 0o600 });
    for (const event of this.#pending) this.#stream.write(`${JSON.stringify(event)}\n`);
    this.#pending = [];
    return this.#path;
  }

  #close(): Promise<void> {
    const stream = this.#stream;
    if (!stream) return Promise.resolve();
    return new Promise((resolve, reject) => stream.end((error?: Error | null) => (error ? reject(error) : resolve())));
  }
}
