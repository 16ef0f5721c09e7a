import { execa } from 'execa';
import { childEnvironment } from '../child-environment.ts';
import { CommandFailed, ProgramNotFound, type Processes } from '../processes.ts';

export const realProcesses: Processes = {
  async run(command, args, options = {}) {
    const result = await execa(command, args, {
      input: options.input,
      env: childEnvironment(options.env),
      extendEnv: false,
      cwd: options.cwd,
      cancelSignal: options.signal,
      reject: false,
      stripFinalNewline: false,
      encoding: 'utf8',
    });
    if (result.isCanceled) throw options.signal?.reason ?? new Error(`${command} was cancelled`);
    // ENOENT from spawn, with no cwd of ours to blame: the program itself is missing.
    if (result.failed && result.exitCode === undefined && (result as { code?: string }).code === 'ENOENT' && options.cwd === undefined) throw new ProgramNotFound(command);
    if (result.failed && result.exitCode === undefined) throw new CommandFailed(command, args, -1, result.message ?? String(result));
    const outcome = { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
    if (outcome.exitCode !== 0 && !options.allowFailure) throw new CommandFailed(command, args, outcome.exitCode, outcome.stderr);
    return outcome;
  },
};
