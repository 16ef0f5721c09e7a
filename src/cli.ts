/**
 * `snf-image SUBCOMMAND ...`: the Ganeti entry points and the operator's tools.
 * Each subcommand's module is loaded only when it runs, so a Ganeti call pays
 * only for what it uses.
 */
interface Subcommand {
  readonly summary: string;
  run(args: string[]): Promise<number>;
}

const subcommands: Record<string, Subcommand> = {
  create: {
    summary: 'deploy an image onto the instance disk (Ganeti OS API 20 environment)',
    run: async () => (await import('./host/create.ts')).runCreate(process.env),
  },
  replay: {
    summary: 'replay a recorded create trace through the machine, with no I/O; report any divergence',
    run: async (args) => (await import('./cli/replay.ts')).runReplay(args),
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(subcommands).map((n) => n.length));
  const lines = Object.entries(subcommands).map(([name, s]) => `  ${name.padEnd(width)}  ${s.summary}`);
  return ['usage: snf-image SUBCOMMAND [ARGS...]', '', 'Subcommands:', ...lines, '', 'Run `snf-image SUBCOMMAND --help` for a subcommand\'s own options.'].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return name === undefined ? 2 : 0;
  }
  const subcommand = subcommands[name];
  if (!subcommand) {
    process.stderr.write(`snf-image: unknown subcommand "${name}"\n\n${usage()}\n`);
    return 2;
  }
  return subcommand.run(args);
}
