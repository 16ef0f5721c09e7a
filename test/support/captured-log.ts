import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';

/**
 * A logger whose records a test can read: the messages, in order, with
 * their level names (`warn: ...`) or bare (`texts`).
 */
export function capturedLog(): { log: Logger; messages: () => string[]; texts: () => string[]; text: () => string } {
  const records: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      records.push(...chunk.toString().split('\n').filter((line) => line !== ''));
      done();
    },
  });
  const log = pino({ level: 'debug', base: undefined }, sink);
  const levelName = (level: number) => pino.levels.labels[level] ?? String(level);
  return {
    log,
    messages: () => records.map((r) => JSON.parse(r) as { level: number; msg: string }).map((r) => `${levelName(r.level)}: ${r.msg}`),
    texts: () => records.map((r) => (JSON.parse(r) as { msg: string }).msg),
    text: () => records.join('\n'),
  };
}
