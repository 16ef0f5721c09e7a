import { posix } from 'node:path';
import type { Processes } from '../../effects/processes.ts';
import { SnfImageError } from '../../errors.ts';
import type { GuestRoot } from '../linux/guest-path.ts';
import { Hive } from './registry.ts';

export type HiveName = 'SOFTWARE' | 'SYSTEM' | 'SAM';

/**
 * The mounted Windows volume. NTFS keeps names case-insensitive but ntfs-3g
 * shows them as stored, so `Windows/System32` may be `WINDOWS/system32` on
 * disk: every path is looked up component by component ignoring case (an
 * exact match wins when names differ only in case). Reads and writes go
 * through the guest root, so a junction or symlink in the image cannot lead
 * outside it.
 */
export class WindowsGuest {
  constructor(
    readonly guest: GuestRoot,
    private readonly processes: Processes,
  ) {}

  /** The guest path as stored on disk, for the components that exist; the rest as given. */
  async find(windowsPath: string): Promise<string> {
    let current = '/';
    const parts = windowsPath.split(/[\\/]/).filter((part) => part !== '');
    for (const [i, part] of parts.entries()) {
      const names = await this.guest.list(current);
      const match = names.includes(part) ? part : names.find((name) => name.toLowerCase() === part.toLowerCase());
      if (match === undefined) return posix.join(current, ...parts.slice(i));
      current = posix.join(current, match);
    }
    return current;
  }

  async isFile(windowsPath: string): Promise<boolean> {
    return this.guest.isFile(await this.find(windowsPath));
  }

  async readText(windowsPath: string): Promise<string | undefined> {
    return this.guest.readText(await this.find(windowsPath));
  }

  /** Writes a file, creating its missing directories (where Windows would look for them, whatever their case). */
  async writeText(windowsPath: string, text: string): Promise<void> {
    const path = await this.find(windowsPath);
    await this.guest.makeDirectories(posix.dirname(path));
    await this.guest.writeFile(path, text);
  }

  async makeDirectory(windowsPath: string): Promise<void> {
    await this.guest.makeDirectories(await this.find(windowsPath));
  }

  async remove(windowsPath: string): Promise<void> {
    await this.guest.remove(await this.find(windowsPath));
  }

  /** A registry hive of Windows/System32/config; missing is an error naming it. */
  async hive(name: HiveName): Promise<Hive> {
    const path = await this.find(`Windows/System32/config/${name}`);
    if (!(await this.guest.isFile(path))) {
      throw new SnfImageError(`The image has no registry hive Windows/System32/config/${name}: is this a Windows image, and is ROOT_PARTITION its system partition?`);
    }
    return new Hive(this.processes, await this.guest.resolve(path), `the ${name} hive`);
  }
}

/** Lines for a Windows batch or script file: CRLF line ends, which cmd.exe and diskpart expect. */
export function windowsLines(lines: readonly string[]): string {
  return lines.map((line) => `${line}\r\n`).join('');
}
