import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { Environment } from '../../../src/host/inputs/deployment-request.ts';

const CLI = resolve('bin/snf-image.js');

/** A trace step as create logs it at debug level: `{ kind, effect?, state?, event? }`. */
export interface LoggedStep {
  readonly kind: string;
  readonly effect?: string;
  readonly state?: unknown;
  readonly event?: { readonly type: string; readonly [key: string]: unknown };
}

export interface CreateExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `create` running in a process of its own, as Ganeti runs it, watched through its own output. */
export interface CreateProcess {
  readonly pid: number;
  /** Resolves at the first trace step create logs that matches; rejects if create ends first. */
  step(matches: (step: LoggedStep) => boolean, what: string): Promise<LoggedStep>;
  /** Resolves at the first monitor message (on stdout) that matches; rejects if create ends first. */
  monitorMessage(matches: (message: Record<string, unknown>) => boolean, what: string): Promise<Record<string, unknown>>;
  kill(signal: NodeJS.Signals): void;
  readonly exited: Promise<CreateExit>;
}

/**
 * Starts `bin/snf-image.js create` with the OS API environment `env` and
 * nothing else of ours but PATH and TMPDIR (where its work directories go),
 * at debug level unless told (SNF_IMAGE_LOG_LEVEL), so every step of its trace is
 * logged on stderr the moment it happens: a test picks the moment to
 * signal it by what create says it is doing.
 */
export function startCreate(env: Environment, options: { readonly tmpdir: string; readonly path?: string; readonly logLevel?: string }): CreateProcess {
  const child: ChildProcess = spawn(process.execPath, [CLI, 'create'], {
    cwd: '/',
    env: { PATH: options.path ?? process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', TMPDIR: options.tmpdir, SNF_IMAGE_LOG_LEVEL: options.logLevel ?? 'debug', ...env } as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const steps: LoggedStep[] = [];
  const messages: Record<string, unknown>[] = [];
  const watchers = new Set<() => void>();
  const notify = () => watchers.forEach((w) => w());
  let pendingErr = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
    const lines = (pendingErr + text).split('\n');
    pendingErr = lines.pop()!;
    for (const line of lines) {
      const step = parseJson(line)?.step as LoggedStep | undefined;
      if (step) steps.push(step);
    }
    notify();
  });
  let pendingOut = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
    const lines = (pendingOut + text).split('\n');
    pendingOut = lines.pop()!;
    for (const line of lines) if (line.startsWith('[MONITOR] ')) messages.push(parseJson(line.slice(10)) ?? {});
    notify();
  });
  let ended = false;
  const exited = new Promise<CreateExit>((resolveExit) => {
    child.once('close', (code, signal) => {
      ended = true;
      notify();
      resolveExit({ code, signal, stdout, stderr });
    });
  });
  function waitFor<T>(list: readonly T[], matches: (item: T) => boolean, what: string): Promise<T> {
    return new Promise((resolveFound, rejectFound) => {
      const check = () => {
        const found = list.find(matches);
        if (found !== undefined) {
          watchers.delete(check);
          resolveFound(found);
        } else if (ended) {
          watchers.delete(check);
          rejectFound(new Error(`create ended before ${what}:\n${stderr.slice(-3000)}`));
        }
      };
      watchers.add(check);
      check();
    });
  }
  return {
    pid: child.pid!,
    step: (matches, what) => waitFor(steps, matches, what),
    monitorMessage: (matches, what) => waitFor(messages, matches, what),
    kill: (signal) => void child.kill(signal),
    exited,
  };
}

/** The call of an effect, as create logs it when it starts one. */
export const effectCalled = (effect: string) => (step: LoggedStep) => step.kind === 'effect.call' && step.effect === effect;

/** A transition of the host machine into a state whose top level is `state`. */
export const entered = (state: string) => (step: LoggedStep) => step.kind === 'transition' && statePath(step.state).startsWith(state);

export function statePath(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || typeof value !== 'object') return '';
  const [key, child] = Object.entries(value)[0] ?? ['', undefined];
  return child === undefined ? key : `${key}.${statePath(child)}`;
}

/** The monitor messages create wrote on its stdout (no PROGRESS_MONITOR). */
export function monitorMessages(stdout: string): Record<string, unknown>[] {
  return stdout.split('\n').filter((l) => l.startsWith('[MONITOR] ')).map((l) => JSON.parse(l.slice(10)) as Record<string, unknown>);
}

/** The last thing create logged at info level or above (debug is the trace, step by step): where Ganeti's user reads why it failed. */
export function lastLogged(stderr: string): { level: number; msg: string } | undefined {
  const lines = stderr.split('\n').map((l) => parseJson(l) as { level: number; msg: string } | undefined);
  return lines.filter((l) => l !== undefined && l.level >= 30).at(-1);
}

function parseJson(line: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
