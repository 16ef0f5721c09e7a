/**
 * The states a snapshot value says are active, as dotted paths from the root:
 * `{ copying: 'streaming' }` is `['copying', 'copying.streaming']`. Charts
 * name their nodes by the same paths, so a step lights up its states.
 */
export function activePaths(value: unknown, prefix = ''): string[] {
  const join = (key: string) => (prefix === '' ? key : `${prefix}.${key}`);
  if (typeof value === 'string') return [join(value)];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, child]) => [join(key), ...activePaths(child, join(key))]);
}

/** The innermost active states, which is what a person means by "the state": `copying.streaming`. */
export function leafPaths(paths: readonly string[]): string[] {
  return paths.filter((p) => !paths.some((other) => other.startsWith(`${p}.`)));
}
