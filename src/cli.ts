/**
 * `snf-image SUBCOMMAND ...`: the Ganeti entry points and the operator's tools.
 * Each subcommand's module is loaded only when it runs, so a Ganeti call pays
 * only for what it uses.
 */
import { isSnfImageError } from './errors.ts';
import { IS_PACKAGED } from './program-files.ts';

interface Subcommand {
  readonly summary: string;
  /**
   * The help of a subcommand that takes no options of its own (the Ganeti
   * entry points read their environment); the others print their own usage
   * when given only `--help`.
   */
  readonly usage?: string;
  run(args: string[], env: NodeJS.ProcessEnv): Promise<number>;
}

/** How Ganeti calls an entry point: the environment is its input (docs/ganeti.md). */
const ganetiUsage = (name: string, what: string, args = '') =>
  `usage: snf-image ${name}${args}\n\n${what}\nGaneti runs it through the OS definition (the Debian package's, or the one \`snf-image install-os\`\nwrites), with the OS API 20 environment (INSTANCE_NAME, OSP_*, ...); see docs/ganeti.md.\n`;

const subcommands: Record<string, Subcommand> = {
  create: {
    summary: 'deploy an image onto the instance disk (Ganeti OS API 20 environment)',
    usage: ganetiUsage('create', 'Deploys the image that the OS parameters name onto the instance disk and customizes it in the helper VM.'),
    run: async (_args, env) => (await import('./ganeti/create.ts')).runCreate(env),
  },
  import: {
    summary: 'copy an exported disk from stdin onto the instance disk (Ganeti import)',
    usage: ganetiUsage('import', 'Copies an exported disk from stdin onto the instance disk (IMPORT_DEVICE).'),
    run: async (_args, env) => (await import('./ganeti/import.ts')).runImport(env),
  },
  export: {
    summary: 'write the instance disk to stdout (Ganeti export)',
    usage: ganetiUsage('export', 'Writes the instance disk (EXPORT_DEVICE) to stdout, and nothing else.'),
    run: async (_args, env) => (await import('./ganeti/export.ts')).runExport(env),
  },
  rename: {
    summary: 'accept an instance rename (Ganeti rename; the guest is not changed)',
    usage: ganetiUsage('rename', 'Accepts an instance rename; the guest is not changed.'),
    run: async (_args, env) => (await import('./ganeti/rename.ts')).runRename(env),
  },
  verify: {
    summary: 'check the OS parameters (Ganeti verify: `verify parameters`)',
    usage: ganetiUsage('verify', 'Checks the OS parameters in the environment and prints the first problem.', ' parameters'),
    run: async (args, env) => (await import('./ganeti/verify.ts')).runVerify(args, env),
  },
  'install-os': {
    summary: 'install the Ganeti OS definition (default /srv/ganeti/os/snf-image); --uninstall removes it',
    run: async (args) => (await import('./ganeti/install-os.ts')).runInstallOs(args),
  },
  helper: {
    summary: 'helper build: build (or find in the cache) the helper VM image and print its HELPER_DIR',
    run: async (args) => (await import('./cli/helper.ts')).runHelperCommand(args),
  },
  viz: {
    summary: 'show state charts and recorded runs: viz TRACE [TRACE2] [--out FILE.html]',
    run: async (args) => (await import('./cli/viz.ts')).runViz(args),
  },
  deploy: {
    summary: 'deploy IMAGE onto DISK and customize it, without Ganeti: deploy IMAGE DISK [--hostname ...]',
    run: async (args) => (await import('./cli/deploy.ts')).runDeploy(args),
  },
  // The demo builds its sample image with the repository's fixture scripts: a checkout's command (npm start), not the package's.
  ...(IS_PACKAGED
    ? {}
    : {
        demo: {
          summary: 'deploy the sample Debian image into a disk file, customized, and show what happened',
          run: async (args: string[]) => (await import('./demo/demo.ts')).runDemo(args),
        },
      }),
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

/** `env` is the environment Ganeti gave us, which bin/snf-image.js keeps away from the programs tsx starts. */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [name, ...rest] = argv;
  let args = rest;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return name === undefined ? 2 : 0;
  }
  const subcommand = subcommands[name];
  if (!subcommand) {
    process.stderr.write(`snf-image: unknown subcommand "${name}"\n\n${usage()}\n`);
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    // Help never runs the subcommand, whatever else is on the line.
    if (subcommand.usage !== undefined) {
      process.stdout.write(subcommand.usage);
      return 0;
    }
    args = ['--help'];
  }
  try {
    return await subcommand.run(args, env);
  } catch (error) {
    // Known failures are sentences for the operator; anything else is a bug, shown whole.
    process.stderr.write(`snf-image ${name}: ${isSnfImageError(error) ? error.message : (error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}
