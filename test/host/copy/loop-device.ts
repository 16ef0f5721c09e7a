import { execFileSync } from 'node:child_process';

/** Attaches a file to a free loop device with losetup; the caller detaches it in a finally. */
export function attachLoop(file: string): string {
  return execFileSync('losetup', ['-f', '--show', file], { encoding: 'utf8' }).trim();
}

export function detachLoop(device: string): void {
  execFileSync('losetup', ['-d', device]);
}
