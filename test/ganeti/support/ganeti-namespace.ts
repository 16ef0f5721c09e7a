import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

/**
 * A throw-away machine inside the real one: its own UTS, network, mount and
 * PID namespaces, set up by namespace-init.sh, where a Ganeti node can run
 * without touching the host's hostname, /etc, /root/.ssh, daemons or
 * addresses. Closing it (or the test process dying, which closes the pipe)
 * ends PID 1 of the namespace, and the kernel takes everything with it.
 */
export interface NamespaceAddresses {
  readonly nodeName: string;
  readonly nodeIp: string;
  readonly clusterName: string;
  readonly clusterIp: string;
}

export interface CommandResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout and stderr interleaved, as a person at the terminal sees them. */
  readonly all: string;
}

export interface RunOptions {
  readonly env?: Record<string, string>;
  readonly input?: string;
  readonly cwd?: string;
  readonly timeoutMs?: number;
}

/** The environment Ganeti's daemons are started with: a clean one, as an init system would give them. */
export const CLEAN_ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', HOME: '/root' } as const;

const INIT_SCRIPT = fileURLToPath(new URL('./namespace-init.sh', import.meta.url));

export class GanetiNamespace {
  private constructor(
    private readonly holder: ChildProcessByStdio<Writable, Readable, Readable>,
    /** PID 1 of the namespace, as the host sees it. */
    readonly initPid: number,
    readonly addresses: NamespaceAddresses,
  ) {}

  static async start(addresses: NamespaceAddresses, readyTimeoutMs = 30_000): Promise<GanetiNamespace> {
    const holder = spawn(
      'unshare',
      ['--uts', '--net', '--mount', '--propagation', 'slave', '--pid', '--fork', '--mount-proc', '--kill-child',
        'bash', INIT_SCRIPT, addresses.nodeName, addresses.nodeIp, addresses.clusterName, addresses.clusterIp],
      { stdio: ['pipe', 'pipe', 'pipe'], env: CLEAN_ENV },
    );
    let output = '';
    holder.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the test namespace was not ready after ${readyTimeoutMs} ms: ${output}`)), readyTimeoutMs);
        holder.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          if (/^ready$/m.test(output)) {
            clearTimeout(timer);
            resolve();
          }
        });
        holder.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`the test namespace's setup failed (exit ${code}): ${output}`));
        });
      });
      const children = (await readFile(`/proc/${holder.pid}/task/${holder.pid}/children`, 'utf8')).trim().split(/\s+/);
      const initPid = Number(children[0]);
      if (!Number.isInteger(initPid) || initPid <= 0) throw new Error(`cannot find the namespace's PID 1 under unshare ${holder.pid}`);
      return new GanetiNamespace(holder, initPid, addresses);
    } catch (error) {
      await stopHolder(holder);
      throw error;
    }
  }

  /** Runs a command inside the namespaces, with a clean environment plus `env`. */
  async run(command: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    const [program, ...args] = command;
    if (program === undefined) throw new Error('no command');
    const result = await execa(
      'nsenter',
      ['--target', String(this.initPid), '--uts', '--net', '--mount', '--pid', `--wd=${options.cwd ?? '/'}`, '--', program, ...args],
      { env: { ...CLEAN_ENV, ...options.env }, extendEnv: false, reject: false, all: true, input: options.input ?? '', timeout: options.timeoutMs ?? 180_000 },
    );
    return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr, all: result.all ?? '' };
  }

  /** Like run, but a non-zero exit is an error that shows the output. */
  async must(command: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    const result = await this.run(command, options);
    if (result.exitCode !== 0) throw new Error(`${command.join(' ')} failed with exit code ${result.exitCode}:\n${result.all}`);
    return result;
  }

  async sh(script: string): Promise<CommandResult> {
    return this.must(['sh', '-euc', script]);
  }

  /** Ends PID 1 of the namespace; resolves once every process of it is gone. */
  async close(): Promise<void> {
    await stopHolder(this.holder);
    for (let i = 0; i < 100 && isAlive(this.initPid); i++) await new Promise((r) => setTimeout(r, 100));
    if (isAlive(this.initPid)) throw new Error(`the namespace's PID 1 (${this.initPid}) is still running`);
  }
}

async function stopHolder(holder: ChildProcessByStdio<Writable, Readable, Readable>): Promise<void> {
  if (holder.exitCode !== null || holder.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => holder.once('exit', () => resolve()));
  holder.stdin.end();
  const timer = setTimeout(() => holder.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
