import { ensureHelperImage } from '../helper-image/build.ts';
import { createLogger } from '../log.ts';

const USAGE = `usage: snf-image helper build

Builds the helper VM image from Debian packages (or finds it in the build
cache) and prints the HELPER_DIR holding it: kernel, initrd, image. Copy that
directory to every node's HELPER_DIR (docs/helper-image.md).
`;

export async function runHelperCommand(args: readonly string[]): Promise<number> {
  if (args[0] !== 'build' || args.length > 1) {
    process.stdout.write(USAGE);
    return args[0] === '--help' ? 0 : 2;
  }
  const helperDir = await ensureHelperImage({ log: createLogger() });
  process.stdout.write(`${helperDir}\n`);
  return 0;
}
