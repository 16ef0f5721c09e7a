import type { AnyStateMachine } from 'xstate';
import { reproduced, type MachineReplay } from '../effects/replay-machine.ts';
import { readTraceFile, TraceFormatError } from '../effects/trace.ts';
import { replayHostTrace } from '../host/replay-host-trace.ts';

const USAGE = `usage: snf-image replay TRACE

Replays a trace written by \`snf-image create\` with no I/O: the create machine
against its recorded effects and, when the run reached the helper, the helper's
machine against the effects it recorded inside the VM. Reports whether each
run is reproduced step by step.
`;

export async function runReplay(args: string[]): Promise<number> {
  const [path] = args;
  if (path === undefined || path === '--help' || args.length > 1) {
    process.stdout.write(USAGE);
    return path === '--help' ? 0 : 2;
  }
  let trace;
  try {
    trace = readTraceFile(path);
  } catch (error) {
    if (!(error instanceof TraceFormatError)) throw error;
    process.stderr.write(`snf-image replay: ${path}: ${error.message}\n`);
    return 2;
  }
  const result = await replayHostTrace(trace);
  const hostOk = report('host', result);
  const helperOk = result.helper ? report('helper', result.helper) : (process.stdout.write('helper: no trace of the helper in this run\n'), true);
  return hostOk && helperOk ? 0 : 1;
}

function report(machine: string, result: MachineReplay<AnyStateMachine>): boolean {
  const out = process.stdout;
  out.write(`${machine}: recorded steps: ${result.recorded.length}, replayed steps: ${result.replayed.length}\n`);
  for (const d of result.divergences) out.write(`${machine}: divergence: ${d.effect}: ${d.message}\n`);
  if (result.unplayed.length > 0) out.write(`${machine}: recorded calls never made: ${result.unplayed.join(', ')}\n`);
  if (result.firstMismatch >= 0) {
    const show = (s: unknown) => (s === undefined ? '(none)' : JSON.stringify(s));
    out.write(`${machine}: first different step #${result.firstMismatch}:\n  recorded ${show(result.recorded[result.firstMismatch])}\n  replayed ${show(result.replayed[result.firstMismatch])}\n`);
  }
  const ok = reproduced(result);
  out.write(ok ? `${machine}: reproduced: the replay took every recorded step\n` : `${machine}: NOT reproduced\n`);
  return ok;
}
