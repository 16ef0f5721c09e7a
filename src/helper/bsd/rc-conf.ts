/**
 * Sets `name="value"` in an rc.conf-style text: the last assignment of the
 * name is replaced (the one that counts when rc.conf is sourced), the others
 * are left as they are; a name not assigned yet is appended.
 */
export function setRcValue(text: string, name: string, value: string): string {
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  const assignment = new RegExp(`^\\s*${name}=`);
  const at = lastIndex(lines, (line) => assignment.test(line));
  const line = `${name}="${value}"`;
  if (at >= 0) lines[at] = line;
  else lines.push(line);
  return `${lines.join('\n')}\n`;
}

/** Removes every assignment of the names matching `pattern` (e.g. old ifconfig_vtnet0 lines). */
export function removeRcValues(text: string, pattern: RegExp): string {
  const kept = text.split('\n').filter((line) => {
    const name = /^\s*([A-Za-z0-9_]+)=/.exec(line)?.[1];
    return !(name && pattern.test(name));
  });
  return kept.join('\n');
}

/** Whether rc.conf assigns the name at all. */
export function hasRcValue(text: string, name: string): boolean {
  return new RegExp(`^\\s*${name}=`, 'm').test(text);
}

function lastIndex<T>(items: readonly T[], test: (item: T) => boolean): number {
  for (let i = items.length - 1; i >= 0; i--) if (test(items[i]!)) return i;
  return -1;
}
