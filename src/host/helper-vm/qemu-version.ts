import type { Processes } from '../../effects/processes.ts';
import { SnfImageError } from '../../errors.ts';

export interface QemuVersion {
  readonly major: number;
  readonly minor: number;
}

export class UnknownQemuVersion extends SnfImageError {
  override readonly name = 'UnknownQemuVersion';
  constructor(command: string, output: string) {
    super(`cannot tell the version of ${command} from "${output.split('\n')[0] ?? ''}": check that it is qemu-system-x86_64`);
  }
}

/** Reads `QEMU emulator version 7.2.22 (Debian ...)`, the first line of `--version`. */
export function parseQemuVersion(command: string, output: string): QemuVersion {
  const match = /QEMU emulator version (\d+)\.(\d+)/.exec(output);
  if (!match) throw new UnknownQemuVersion(command, output);
  return { major: Number(match[1]), minor: Number(match[2]) };
}

/** `command` is the program and any arguments it always takes (the QEMU setting may carry some). */
export async function detectQemuVersion(processes: Processes, command: readonly string[], signal?: AbortSignal): Promise<QemuVersion> {
  const [program, ...args] = command;
  const { stdout } = await processes.run(program!, [...args, '--version'], signal ? { signal } : {});
  return parseQemuVersion(program!, stdout);
}

/** `-run-with user=` arrived in qemu 9.1, which deprecated `-runas`. */
export function dropPrivilegesArgs(version: QemuVersion, user: string): string[] {
  const hasRunWithUser = version.major > 9 || (version.major === 9 && version.minor >= 1);
  return hasRunWithUser ? ['-run-with', `user=${user}`] : ['-runas', user];
}
