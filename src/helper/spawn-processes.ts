import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { CommandFailed, type Processes } from '../effects/processes.ts';

/**
 * The helper's Processes: node:child_process itself, without execa. Inside
 * the helper VM every module costs start time under TCG, and the helper's
 * startup snapshot cannot hold child_process (Node supports no child_process
 * in a user snapshot: 18 refused it, 20 warns its state may be out of sync), so the module is loaded on the first run, after the snapshot is
 * restored. It is required, not imported: a program restored from a snapshot
 * cannot import() ("Invalid host defined options"). Same contract as src/effects/real/processes.ts: the environment
 * extends the helper's, output is UTF-8 as written, a failure throws
 * CommandFailed unless allowFailure, a cancelled run throws the signal's reason.
 */
/** Loads Node's builtins only, so any base path does; the bundle has no import.meta.url to give. */
const requireBuiltin = createRequire('/');

export const spawnProcesses: Processes = {
  async run(command, args, options = {}) {
    const { spawn } = requireBuiltin('node:child_process') as typeof import('node:child_process');
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ? { ...process.env, ...options.env } : process.env,
      signal: options.signal,
      // Without input, stdin is /dev/null: a program that reads it ends instead of waiting forever.
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const stdout = collect(child.stdout);
    const stderr = collect(child.stderr);
    // A program that exits without reading its input closes the pipe: that is its business, not an error.
    child.stdin?.on('error', () => {});
    child.stdin?.end(options.input);
    const exit = await exited(child);
    if (options.signal?.aborted) throw options.signal.reason ?? new Error(`${command} was cancelled`);
    if ('error' in exit) throw new CommandFailed(command, args, -1, exit.error.message);
    const outcome = { exitCode: exit.code ?? -1, stdout: stdout.join(''), stderr: stderr.join('') };
    if (exit.code === null) throw new CommandFailed(command, args, -1, `${outcome.stderr}killed by ${exit.signal}`);
    if (outcome.exitCode !== 0 && !options.allowFailure) throw new CommandFailed(command, args, outcome.exitCode, outcome.stderr);
    return outcome;
  },
};

function collect(stream: NodeJS.ReadableStream | null): string[] {
  const chunks: string[] = [];
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => chunks.push(chunk));
  return chunks;
}

type Exit = { readonly code: number | null; readonly signal: NodeJS.Signals | null } | { readonly error: Error };

/** Resolves once the program has exited and its output is read to the end ('close'), or could not start. */
function exited(child: ChildProcess): Promise<Exit> {
  return new Promise((resolve) => {
    child.once('error', (error) => resolve({ error }));
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
}
