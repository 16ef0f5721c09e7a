/**
 * Base of every error an operator is meant to read: its message says what
 * failed, the value involved (never a secret) and what to do. Anything else
 * that escapes is a bug and is reported as an internal error.
 */
export class SnfImageError extends Error {
  override readonly name: string = 'SnfImageError';
}

export function isSnfImageError(error: unknown): error is SnfImageError {
  return error instanceof SnfImageError;
}
