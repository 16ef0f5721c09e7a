import { isSnfImageError } from '../errors.ts';
import type { Logger } from '../log.ts';

/**
 * How import and export end: 0, or 1 with one log line an operator can act
 * on. Known failures (ours, and the system's: a disk that vanished, a closed
 * pipe) are reported by their message; anything else is a bug and keeps its
 * stack.
 */
export async function reportOutcome(log: Logger, work: () => Promise<void>): Promise<number> {
  try {
    await work();
    return 0;
  } catch (error) {
    if (isSnfImageError(error) || isSystemError(error)) log.error({ kind: (error as Error).name }, (error as Error).message);
    else log.error({ err: error }, 'internal error: please report it');
    return 1;
  }
}

/** An error from the system (ENOENT, EIO, EPIPE...), as opposed to one of node's own programming errors (ERR_*). */
function isSystemError(error: unknown): boolean {
  const { code, syscall } = (error ?? {}) as NodeJS.ErrnoException;
  return typeof code === 'string' && typeof syscall === 'string';
}
