import { readTraceFile } from '../effects/trace.ts';
import { replayHostTrace } from '../host/replay-host-trace.ts';

const USAGE = 'usage: snf-image replay TRACE\n\nReplays a trace written by `snf-image create` through the create machine with no I/O,\nand reports whether the run is reproduced step by step.\n';

export async function runReplay(args: string[]): Promise<number> {
  const [path] = args;
  if (path === undefined || path === '--help' || args.length > 1) {
    process.stdout.write(USAGE);
    return path === '--help' ? 0 : 2;
  }
  const result = await replayHostTrace(readTraceFile(path));
  const out = process.stdout;
  out.write(`recorded steps: ${result.recorded.length}, replayed steps: ${result.replayed.length}\n`);
  for (const d of result.divergences) out.write(`divergence: ${d.effect}: ${d.message}\n`);
  if (result.unplayed.length > 0) out.write(`recorded calls never made: ${result.unplayed.join(', ')}\n`);
  if (result.firstMismatch >= 0) {
    const show = (s: unknown) => (s === undefined ? '(none)' : JSON.stringify(s));
    out.write(`first different step #${result.firstMismatch}:\n  recorded ${show(result.recorded[result.firstMismatch])}\n  replayed ${show(result.replayed[result.firstMismatch])}\n`);
  }
  const reproduced = result.firstMismatch < 0 && result.divergences.length === 0 && result.unplayed.length === 0;
  out.write(reproduced ? 'reproduced: the replay took every recorded step\n' : 'NOT reproduced\n');
  return reproduced ? 0 : 1;
}
