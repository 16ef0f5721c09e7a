import { spawn, type ChildProcess } from 'node:child_process';
import type { Writable } from 'node:stream';
import type { Clock } from '../effects/clock.ts';
import type { Logger } from '../log.ts';
import type { ImageHelperMessage } from '../protocol/monitor-parser.ts';
import { childEnvironment } from '../effects/child-environment.ts';

/** The progress messages snf-image sends its monitor, without their timestamp. */
export type MonitorMessage =
  | { readonly type: 'image-info'; readonly messages: readonly string[] }
  | { readonly type: 'image-error'; readonly messages: readonly string[] }
  | { readonly type: 'image-error'; readonly stderr: string }
  | { readonly type: 'image-copy-progress'; readonly position: number; readonly total: number; readonly progress: number }
  | ImageHelperMessage;

/** Where the operator's progress messages go: one JSON object a line. */
export interface MonitorOutput {
  send(message: MonitorMessage): void;
  /** Ends the stream and waits for the monitor program, if any, to finish. */
  close(): Promise<void>;
}

export interface MonitorOutputOptions {
  /** PROGRESS_MONITOR: a program and its arguments, split on blanks as snf-image's shell did. */
  readonly progressMonitor?: string;
  /** The instance name, the monitor program's last argument. */
  readonly instance: string;
  readonly clock: Clock;
  /** Where messages go without a monitor program: create's stdout, which Ganeti keeps in the OS log. */
  readonly stdout: Writable;
  readonly log: Logger;
  /** How long close() waits for the monitor program before killing it. */
  readonly closeTimeoutMs?: number;
}

const STDOUT_PREFIX = '[MONITOR] ';
const DEFAULT_CLOSE_TIMEOUT_MS = 5000;

/** A message as it goes on the wire, stamped with the clock's time in float epoch seconds. */
export function monitorJson(message: MonitorMessage, clock: Clock): string {
  return JSON.stringify({ ...message, timestamp: clock.now() / 1000 });
}

export function openMonitorOutput(options: MonitorOutputOptions): MonitorOutput {
  const program = options.progressMonitor?.trim();
  if (!program) {
    return {
      send: (message) => void options.stdout.write(`${STDOUT_PREFIX}${monitorJson(message, options.clock)}\n`),
      close: async () => {},
    };
  }
  return new ProgramMonitorOutput(program.split(/\s+/), options);
}

/**
 * Feeds the PROGRESS_MONITOR program on its stdin. The program is the
 * operator's and may fail at any time: the deployment goes on without it,
 * with one warning in the log.
 */
class ProgramMonitorOutput implements MonitorOutput {
  readonly #options: MonitorOutputOptions;
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;
  #gone = false;
  #closing = false;

  constructor([command, ...args]: string[], options: MonitorOutputOptions) {
    this.#options = options;
    const log = options.log.child({ component: 'progress-monitor' });
    // A group of its own, so a monitor that hangs can be killed with whatever it started.
    this.#child = spawn(command!, [...args, options.instance], { stdio: ['pipe', 'pipe', 'pipe'], detached: true, env: childEnvironment() });
    const lost = (reason: string) => {
      if (this.#gone) return;
      this.#gone = true;
      log.warn({ program: command }, `progress monitor ${reason}; the deployment goes on without it`);
    };
    this.#exited = new Promise((resolve) => {
      this.#child.once('error', (error) => {
        lost(`could not run: ${error.message}`);
        resolve();
      });
      this.#child.once('exit', (code, signal) => {
        const how = signal ?? `code ${code}`;
        if (!this.#closing) lost(`exited (${how}) before the deployment ended`);
        else if (code !== 0) log.warn({ program: command }, `progress monitor exited with ${how}`);
        this.#gone = true;
        resolve();
      });
    });
    // A monitor that died closes its stdin; the write error it causes is expected.
    this.#child.stdin!.on('error', (error) => lost(`stopped reading: ${error.message}`));
    for (const stream of [this.#child.stdout!, this.#child.stderr!]) {
      stream.setEncoding('utf8').on('data', (text: string) => {
        for (const line of text.split('\n')) if (line) log.info(`PROGRESS_MONITOR: ${line}`);
      });
    }
  }

  send(message: MonitorMessage): void {
    if (this.#gone || !this.#child.stdin!.writable) return;
    this.#child.stdin!.write(`${monitorJson(message, this.#options.clock)}\n`);
  }

  async close(): Promise<void> {
    this.#closing = true;
    this.#child.stdin!.end();
    const { clock } = this.#options;
    let timer: unknown;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = clock.setTimeout(() => resolve('timeout'), this.#options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS);
    });
    const outcome = await Promise.race([this.#exited, timedOut]);
    clock.clearTimeout(timer);
    if (outcome === 'timeout') {
      this.#options.log.warn('progress monitor did not finish after its input ended; killing it');
      try {
        process.kill(-this.#child.pid!, 'SIGKILL');
      } catch {
        // It finished on its own in the meantime.
      }
      await this.#exited;
    }
  }
}
