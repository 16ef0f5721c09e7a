import type { AnyStateMachine } from 'xstate';
import { chartFromMachine } from './chart/from-machine.ts';
import { chartToMermaid } from './chart/mermaid.ts';
import { KNOWN_MACHINES } from './known-machines.ts';

/** The docs page of each known machine: docs/machines/<name>.md, generated from machines/<name>/machine.ts. */
export function machineDocs(machines: ReadonlyMap<string, AnyStateMachine> = KNOWN_MACHINES): { path: string; text: string }[] {
  return [...machines].map(([name, machine]) => ({ path: `docs/machines/${name}.md`, text: machineDoc(name, machine) }));
}

export function machineDoc(name: string, machine: AnyStateMachine): string {
  const chart = chartFromMachine(machine);
  return [
    `# The ${name} machine`,
    '',
    `<!-- Generated from machines/${name}/machine.ts by scripts/export-mermaid.ts; edit the machine, then run \`node --import tsx scripts/export-mermaid.ts\`. -->`,
    '',
    `States of \`machines/${name}/machine.ts\`. Edges are labelled with the event, the guard in brackets and delays as \`after …\`;`,
    '`done: x` and `error: x` are the outcomes of the invoked effect `x`. Failure states are drawn in red.',
    `The trace of a run can be replayed on this chart with \`snf-image viz TRACE\`.`,
    '',
    '```mermaid',
    chartToMermaid(chart).trimEnd(),
    '```',
    '',
  ].join('\n');
}
