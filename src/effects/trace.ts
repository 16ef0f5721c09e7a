import { createWriteStream, readFileSync } from 'node:fs';
import * as z from 'zod/mini';
import '../zod-messages.ts';
import type { Clock } from './clock.ts';
import { nestedEvents } from './nested-trace.ts';
import { redacted } from './secret.ts';

/**
 * A trace is one JSON object per line: the run's header, then machine
 * transitions and effect calls interleaved in the order they happened.
 * Values pass through `redacted` before they are written, so a secret never
 * reaches a trace file.
 *
 * A machine that runs elsewhere (the helper, in its VM) traces itself; its
 * events come into the run's trace whole, each wrapped in a `nested` event:
 * the inner event keeps its own seq and at (the helper's clock, from the
 * helper's start), the envelope's at is when the host received it.
 */

/**
 * The trace format, written in every `run` line. Raise it when a reader of
 * the old format would misread the new one; readers refuse other versions.
 */
export const TRACE_FORMAT = 2;
const failureSchema = z.object({ name: z.string(), message: z.string(), code: z.optional(z.string()) });

const common = { seq: z.int().check(z.nonnegative()), at: z.number() };

export const traceEventSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('run'),
    ...common,
    machine: z.string(),
    startedAt: z.string(),
    format: z.optional(z.int()),
    /** The machine's input, so a replay starts it as the run did. */
    input: z.optional(z.unknown()),
  }),
  z.object({
    kind: z.literal('transition'),
    ...common,
    machine: z.string(),
    event: z.looseObject({ type: z.string() }),
    state: z.unknown(),
    status: z.string(),
  }),
  z.object({ kind: z.literal('effect.call'), ...common, callId: z.number(), effect: z.string(), input: z.unknown() }),
  z.object({ kind: z.literal('effect.event'), ...common, callId: z.number(), effect: z.string(), event: z.looseObject({ type: z.string() }) }),
  z.object({
    kind: z.literal('effect.result'),
    ...common,
    callId: z.number(),
    effect: z.string(),
    durationMs: z.number(),
    outcome: z.discriminatedUnion('ok', [
      z.object({ ok: z.literal(true), output: z.unknown() }),
      z.object({ ok: z.literal(false), error: failureSchema }),
    ]),
  }),
  z.object({ kind: z.literal('nested'), ...common, machine: z.string(), event: z.looseObject({ kind: z.string() }) }),
  z.object({ kind: z.literal('log'), ...common, level: z.string(), msg: z.string(), fields: z.optional(z.record(z.string(), z.unknown())) }),
]);

export type TraceEvent = z.infer<typeof traceEventSchema>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type TraceEntry = DistributiveOmit<TraceEvent, 'seq' | 'at'>;

export interface TraceSink {
  write(entry: TraceEntry): void;
  close(): Promise<void>;
}

/** Numbers and timestamps entries, redacts them, and hands them to a writer. */
export class Tracer implements TraceSink {
  #seq = 0;
  readonly #start: number;

  constructor(
    private readonly clock: Clock,
    private readonly out: (event: TraceEvent) => void,
    private readonly onClose: () => Promise<void> = async () => {},
  ) {
    this.#start = clock.now();
  }

  write(entry: TraceEntry): void {
    const event = { ...(redacted(entry) as TraceEntry), seq: this.#seq++, at: Math.round(this.clock.now() - this.#start) } as TraceEvent;
    this.out(event);
  }

  close(): Promise<void> {
    return this.onClose();
  }
}

export function memoryTracer(clock: Clock): Tracer & { readonly events: TraceEvent[] } {
  const events: TraceEvent[] = [];
  return Object.assign(new Tracer(clock, (e) => events.push(e)), { events });
}

export function fileTracer(clock: Clock, path: string): Tracer {
  const stream = createWriteStream(path, { flags: 'a', mode: 0o600 });
  return new Tracer(
    clock,
    (e) => stream.write(`${JSON.stringify(e)}\n`),
    () => new Promise((resolve, reject) => stream.end((err?: Error | null) => (err ? reject(err) : resolve()))),
  );
}

export class TraceFormatError extends Error {
  override readonly name = 'TraceFormatError';
}

/**
 * Parses a trace file. Each line is checked as a trace event; a nested
 * event's inner event too, and every `run` line must carry TRACE_FORMAT.
 */
export function parseTrace(text: string): TraceEvent[] {
  const events = text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, index) => {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        throw new TraceFormatError(`trace line ${index + 1} is not JSON`);
      }
      const event = parseEvent(value, index);
      if (event.kind === 'nested') parseEvent(event.event, index);
      return event;
    });
  for (const event of [...events, ...nestedEvents(events)]) {
    if (event.kind === 'run' && event.format !== TRACE_FORMAT) {
      throw new TraceFormatError(
        `this trace is in format ${event.format ?? 1} and this snf-image reads format ${TRACE_FORMAT} only: replay or view it with the snf-image version that wrote it`,
      );
    }
  }
  return events;
}

function parseEvent(value: unknown, index: number): TraceEvent {
  const parsed = traceEventSchema.safeParse(value);
  if (!parsed.success) throw new TraceFormatError(`trace line ${index + 1}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

export function readTraceFile(path: string): TraceEvent[] {
  return parseTrace(readFileSync(path, 'utf8'));
}
