import { spawn } from 'node:child_process';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { AbortedError, describeFailure, type Effect, type EffectContext } from '../../effects/effect.ts';
import { SnfImageError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import type { HelperExit, HelperResult, HelperSignal } from '../../../machines/host/ports.ts';
import { traceEventSchema, type TraceEvent } from '../../effects/trace.ts';
import { MonitorChannelParser, MonitorProtocolError } from '../../protocol/monitor-parser.ts';
import { childEnvironment } from '../../effects/child-environment.ts';
import { TraceChannelParser } from '../../protocol/trace-channel.ts';
import { COMMAND_NOT_FOUND, diesWithParent } from './dies-with-parent.ts';

/**
 * The file descriptor the helper process writes the monitor channel to. It
 * is a socket (Node's child pipes are socket pairs): qemu takes it with
 * `-chardev socket,fd=3`.
 */
export const MONITOR_CHANNEL_FD = 3;

/** The file descriptor of the trace channel, a socket like the monitor's. */
export const TRACE_CHANNEL_FD = 4;

/** What qemu prints when KVM cannot go on running the guest (it then pauses the VM rather than exiting). */
const KVM_INTERNAL_ERROR = /KVM internal error/;

/** The program that is the helper VM: qemu, or a stand-in in tests. */
export interface HelperProcessSpec {
  readonly command: string;
  readonly args: readonly string[];
}

export class HelperLaunchFailed extends SnfImageError {
  override readonly name = 'HelperLaunchFailed';
  constructor(command: string, reason: string) {
    super(`cannot start the helper VM (${command}): ${reason}`);
  }
}

/**
 * Runs the helper VM in a process group of its own and resolves with how it
 * ended. Emits `helper.started` ({ pid }), then `helper.monitor`
 * ({ message }) per monitor message; a helper that breaks the monitor
 * protocol gets one `helper.monitorFailed` ({ error }) and is no longer
 * listened to. The helper's trace events go to `onTrace` as they arrive; a
 * line that is not a trace event is logged and dropped. Console lines
 * (stdout and stderr) go to the log as `HELPER:` lines. Whatever ends the run, nothing of the group is left running: when
 * the VM exits, what it left behind is killed; when the signal aborts, the
 * whole group is killed and the effect rejects with AbortedError.
 */
export function createRunHelper(deps: { readonly log: Logger; readonly onTrace: (event: TraceEvent) => void }): Effect<HelperProcessSpec, HelperExit> {
  return (spec, ctx) =>
    new Promise((resolve, reject) => {
      // A child made per run takes the level the configuration set (LOG_LEVEL, IMAGE_DEBUG) after this factory ran.
      const log = deps.log.child({ component: 'helper' });
      if (ctx.signal.aborted) return reject(new AbortedError('runHelper'));
      // The VM must not outlive create, even one killed with SIGKILL: two writers on one disk, and a config device with secrets.
      const supervised = diesWithParent(spec);
      const child = spawn(supervised.command, supervised.args, { detached: true, stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'], env: childEnvironment() });
      const pid = child.pid;
      if (pid === undefined) {
        child.once('error', (error: NodeJS.ErrnoException) => {
          // The program spawned is the supervisor's (setpriv, from util-linux), not qemu.
          const missing = error.code === 'ENOENT' ? `${error.path ?? supervised.command} was not found on PATH: install it on this node` : undefined;
          reject(new HelperLaunchFailed(spec.command, missing ?? `${error.message}; check that qemu is installed`));
        });
        return;
      }
      const killGroup = () => signalGroup(pid, 'SIGKILL');
      ctx.signal.addEventListener('abort', killGroup, { once: true });
      ctx.emit({ type: 'helper.started', pid });

      // stdio is all pipes past stdin, so these streams exist.
      const consoleLine = (line: string) => {
        if (KVM_INTERNAL_ERROR.test(line)) ctx.emit({ type: 'helper.acceleratorFailed', line });
        log.info(`HELPER: ${line}`);
      };
      forEachLine(child.stdout!, consoleLine);
      forEachLine(child.stderr!, consoleLine);
      const monitorChannel = child.stdio[MONITOR_CHANNEL_FD] as Readable;
      // The guest's console (stdout) and the monitor channel speak only once it runs; qemu's own stderr does not count.
      const alive = () => {
        child.stdout!.off('data', alive);
        monitorChannel.off('data', alive);
        ctx.emit({ type: 'helper.alive' });
      };
      child.stdout!.on('data', alive);
      monitorChannel.on('data', alive);
      const monitor = listenToMonitor(monitorChannel, ctx.emit, log);
      const trace = listenToTrace(child.stdio[TRACE_CHANNEL_FD] as Readable, deps.onTrace, log);

      // The helper's own exit ends the run; anything it started goes with it.
      child.once('exit', killGroup);
      child.once('close', (exitCode, signal) => {
        ctx.signal.removeEventListener('abort', killGroup);
        monitor.end();
        trace.end();
        if (ctx.signal.aborted) reject(new AbortedError('runHelper'));
        else if (exitCode === COMMAND_NOT_FOUND) reject(new HelperLaunchFailed(spec.command, 'it was not found: install qemu, or correct QEMU in the configuration file'));
        else resolve({ exitCode, signal });
      });
    });
}

function listenToMonitor(channel: Readable, emit: EffectContext['emit'], log: Logger) {
  const parser = new MonitorChannelParser();
  const decoder = new StringDecoder('utf8');
  let listening = true;
  const parse = (read: () => ReturnType<MonitorChannelParser['push']>) => {
    if (!listening) return;
    try {
      for (const message of read()) emit({ type: 'helper.monitor', message });
    } catch (error) {
      if (!(error instanceof MonitorProtocolError)) throw error;
      listening = false;
      log.error({ err: error }, error.message);
      emit({ type: 'helper.monitorFailed', error: describeFailure(error) });
    }
  };
  // Data keeps being read after a failure, so the helper never blocks on a full channel.
  channel.on('data', (chunk: Buffer) => parse(() => parser.push(decoder.write(chunk))));
  return { end: () => parse(() => parser.push(decoder.end()).concat(parser.end())) };
}

function listenToTrace(channel: Readable, onTrace: (event: TraceEvent) => void, log: Logger) {
  const parser = new TraceChannelParser();
  const decoder = new StringDecoder('utf8');
  const take = ({ values, errors }: ReturnType<TraceChannelParser['push']>) => {
    for (const error of errors) log.warn(error.message);
    for (const value of values) {
      const parsed = traceEventSchema.safeParse(value);
      if (parsed.success) onTrace(parsed.data);
      else log.warn({ issue: parsed.error.issues[0]?.message }, 'a helper trace line is not a trace event: dropped');
    }
  };
  channel.on('data', (chunk: Buffer) => take(parser.push(decoder.write(chunk))));
  return {
    end: () => {
      take(parser.push(decoder.end()));
      take(parser.end());
    },
  };
}

function forEachLine(stream: Readable, onLine: (line: string) => void): void {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  stream.on('data', (chunk: Buffer) => {
    const lines = (pending + decoder.write(chunk)).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) onLine(line.replace(/\r$/, ''));
  });
  stream.on('end', () => {
    const rest = pending + decoder.end();
    if (rest !== '') onLine(rest);
  });
}

/** Signals a whole process group; false when it is already gone. */
function signalGroup(pid: number, signal: HelperSignal): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/** Sends a signal to the helper's whole process group; a group already gone is no error. */
export const signalHelper: Effect<{ readonly pid: number; readonly signal: HelperSignal }, void> = async ({ pid, signal }) => {
  signalGroup(pid, signal);
};

/** Bytes of the result channel read: the verdict is its first line, and a runaway helper must not fill memory. */
const RESULT_READ_BYTES = 64 * 1024;

/** The first line of the result channel, \r removed (a serial line may add it); empty when the helper wrote nothing. */
export const readResult: Effect<{ readonly path: string }, HelperResult> = async ({ path }) => {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(RESULT_READ_BYTES);
    const { bytesRead } = await file.read(buffer, 0, RESULT_READ_BYTES, 0);
    const firstLine = buffer.toString('utf8', 0, bytesRead).split('\n')[0] ?? '';
    return { firstLine: firstLine.replaceAll('\r', '') };
  } finally {
    await file.close();
  }
};
