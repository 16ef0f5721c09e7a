import type { Processes } from '../../effects/processes.ts';

/**
 * qemu's seccomp filter for the helper VM: obsolete system calls, fork and
 * exec, and changes to scheduling or resource limits are denied. Privilege
 * changes (elevateprivileges) stay allowed: qemu installs the filter before
 * `-runas` drops to HELPER_USER, and with them denied qemu 7.2 is killed
 * ("Bad system call") at that very drop. Once dropped, qemu holds no root
 * id to go back to, and spawn=deny stops it from executing a setuid program.
 */
export const SANDBOX_OPTIONS = 'on,obsolete=deny,spawn=deny,resourcecontrol=deny';

/**
 * Whether this qemu has the sandbox with every option we ask for: qemu
 * parses `-sandbox` before it prints its version, and refuses a build
 * without seccomp or an option it does not know.
 */
export async function qemuHasSandbox(processes: Processes, command: readonly string[], signal?: AbortSignal): Promise<boolean> {
  const [program, ...args] = command;
  const { exitCode } = await processes.run(program!, [...args, '-sandbox', SANDBOX_OPTIONS, '--version'], { allowFailure: true, ...(signal ? { signal } : {}) });
  return exitCode === 0;
}
