import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { basename } from 'node:path';
import type { Writable } from 'node:stream';
import type { AnyStateMachine } from 'xstate';
import { readTraceFile, type TraceEvent } from '../effects/trace.ts';
import { buildPageHtml } from '../../visualizer/build-page.ts';
import { KNOWN_MACHINES } from '../../visualizer/known-machines.ts';
import { pageFromTraces } from '../../visualizer/page-from-traces.ts';

export const VIZ_USAGE = `usage: snf-image viz TRACE [TRACE2] [--out FILE.html]
  TRACE          a trace file (JSON lines) written by a run
  TRACE2         a second run of the same machine, shown side by side with the divergence marked
  --out FILE     write one self-contained HTML page instead of serving it
Without --out, the page is served on 127.0.0.1 on a free port until interrupted.`;

export interface VizOptions {
  readonly stdout?: Writable;
  readonly stderr?: Writable;
  /** Stops serving; without it, SIGINT or SIGTERM does. */
  readonly signal?: AbortSignal;
  readonly machines?: ReadonlyMap<string, AnyStateMachine>;
}

class UsageError extends Error {}

interface VizArgs {
  readonly traces: readonly string[];
  readonly out: string | undefined;
}

function parseArgs(args: readonly string[]): VizArgs {
  const traces: string[] = [];
  let out: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--out' || arg === '-o') {
      out = args[++i];
      if (out === undefined) throw new UsageError('--out needs a file name');
    } else if (arg.startsWith('--out=')) out = arg.slice('--out='.length);
    else if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`);
    else traces.push(arg);
  }
  if (traces.length === 0 || traces.length > 2) throw new UsageError('give one trace, or two to compare');
  return { traces, out };
}

/**
 * `snf-image viz`: draws one run (or two, compared) as a page. Resolves to
 * the exit code; when serving, only once the server has stopped.
 */
export async function runViz(args: readonly string[], options: VizOptions = {}): Promise<number> {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  if (args.includes('--help') || args.includes('-h')) {
    stdout.write(`${VIZ_USAGE}\n`);
    return 0;
  }
  let parsed: VizArgs;
  let traces: { title: string; events: TraceEvent[] }[];
  try {
    parsed = parseArgs(args);
    traces = parsed.traces.map((path) => ({ title: basename(path), events: readTrace(path) }));
  } catch (error) {
    stderr.write(`viz: ${(error as Error).message}\n${error instanceof UsageError ? `${VIZ_USAGE}\n` : ''}`);
    return 2;
  }
  const data = await pageFromTraces(traces, options.machines ?? KNOWN_MACHINES);
  const html = await buildPageHtml(data, traces.map((t) => t.title).join(' vs '));
  if (parsed.out !== undefined) {
    try {
      await writeFile(parsed.out, html);
    } catch (error) {
      stderr.write(`viz: cannot write ${parsed.out}: ${(error as Error).message}\n`);
      return 1;
    }
    stdout.write(`viz: wrote ${parsed.out}\n`);
    return 0;
  }
  return serve(html, stdout, options.signal);
}

function readTrace(path: string): TraceEvent[] {
  try {
    return readTraceFile(path);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ENOENT') throw new Error(`cannot read trace ${path}: no such file`);
    throw new Error(`cannot read trace ${path}: ${(error as Error).message}`);
  }
}

async function serve(html: string, stdout: Writable, signal: AbortSignal | undefined): Promise<number> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || (request.url !== '/' && request.url !== '/index.html')) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(html);
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  stdout.write(`viz: serving http://127.0.0.1:${port}/ (interrupt to stop)\n`);
  await new Promise<void>((resolve) => {
    if (signal) {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
      return;
    }
    const stop = () => {
      process.off('SIGINT', stop).off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop).on('SIGTERM', stop);
  });
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  return 0;
}
