/**
 * Runs a command (qemu) so that it dies with this process, even when this
 * process is killed with SIGKILL and cannot clean up. `setpriv --pdeathsig`
 * alone is not enough: qemu drops to HELPER_USER, and a change of user clears
 * the parent-death signal. So a small shell supervisor, which keeps root,
 * takes the signal instead and kills its whole process group (qemu and
 * itself); the command runs as its child and its exit status or signal is
 * passed on, so the caller sees how the command ended.
 */

/** The supervisor's exit status when the command is not there (the shell's own). */
export const COMMAND_NOT_FOUND = 127;

/** The supervisor: $1 is the pid of the process it must not outlive, the rest the command. */
const SUPERVISOR = [
  'parent=$1; shift',
  'trap "kill -KILL 0" USR1',
  // The parent may have died before setpriv set the signal up: then nobody would send it.
  '[ "$PPID" = "$parent" ] || kill -KILL 0',
  // A handler, not an ignore, so the command gets these signals with their default action.
  'trap : TERM INT HUP',
  `command -v "$1" >/dev/null || exit ${COMMAND_NOT_FOUND}`,
  '"$@" &',
  'child=$!',
  // wait returns early when a trapped signal arrives; the command goes on until it exits.
  'while :; do wait "$child"; status=$?; kill -0 "$child" 2>/dev/null || break; done',
  'if [ "$status" -gt 128 ]; then trap - TERM INT HUP USR1; kill -s "$(kill -l "$status")" $$; fi',
  'exit "$status"',
].join('\n');

export interface Command {
  readonly command: string;
  readonly args: readonly string[];
}

export function diesWithParent({ command, args }: Command, parentPid: number = process.pid): Command {
  return { command: 'setpriv', args: ['--pdeathsig', 'USR1', '--', 'sh', '-c', SUPERVISOR, 'snf-image-supervisor', String(parentPid), command, ...args] };
}
