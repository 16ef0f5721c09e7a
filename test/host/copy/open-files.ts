import { readdirSync, readlinkSync } from 'node:fs';

/** Whether any open file descriptor of this process points at `path`. */
export function processHasOpen(path: string): boolean {
  return readdirSync('/proc/self/fd').some((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      return false;
    }
  });
}
