import { SnfImageError } from '../errors.ts';

/** Runs programs. Arguments are strings only, so a Secret cannot reach a command line. */
export interface Processes {
  run(command: string, args: readonly string[], options?: RunOptions): Promise<RunResult>;
}

export interface RunOptions {
  /** Data for the program's stdin (secrets travel this way, never as arguments). */
  readonly input?: string | Uint8Array;
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  readonly signal?: AbortSignal;
  /** Resolve with the exit code instead of throwing when the program fails. */
  readonly allowFailure?: boolean;
}

export interface RunResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A program that is not on this node (not on PATH, or no file at the path given): nothing ran. */
export class ProgramNotFound extends SnfImageError {
  override readonly name = 'ProgramNotFound';
  constructor(readonly command: string) {
    super(
      command.includes('/')
        ? `${command} does not exist: install it, or correct the configuration setting that names it`
        : `${command} was not found on PATH: install it on this node (scripts/debian-packages.txt lists what snf-image runs)`,
    );
  }
}

/** A program that exited non-zero; carries the tail of its stderr for the operator. */
export class CommandFailed extends SnfImageError {
  override readonly name = 'CommandFailed';
  constructor(
    readonly command: string,
    readonly args: readonly string[],
    readonly exitCode: number,
    readonly stderr: string,
  ) {
    const tail = stderr.trim().split('\n').slice(-10).join('\n');
    super(`${command} ${args.join(' ')} failed with exit code ${exitCode}${tail ? `: ${tail}` : ''}`);
  }
}
