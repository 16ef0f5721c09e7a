import { pino, type Logger } from 'pino';

/**
 * The program's logger. It writes to stderr, because stdout belongs to Ganeti
 * (the OS log for create, the disk data for export). Components take a child:
 * `log.child({ component: 'copy' })`.
 */
export function createLogger(level = process.env.SNF_IMAGE_LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ dest: 2, sync: true }));
}

export type { Logger };
