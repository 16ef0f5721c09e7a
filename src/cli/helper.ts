import { ensureHelperImage } from '../helper-image/build.ts';
import { createLogger } from '../log.ts';

const USAGE = `usage: snf-image helper build

Builds the helper VM image from Debian packages (or finds it in the build
cache) and prints the HELPER_DIR holding it: kernel, initrd, image. Copy that
directory to every node's HELPER_DIR (docs/helper-image.md). Helper images
and layers in the cache (/var/cache/snf-image/helper) that the current recipe
does not use are removed.
`;

export async function runHelperCommand(args: readonly string[]): Promise<number> {
  if (args[0] !== 'build' || args.length > 1) {
    process.stdout.write(USAGE);
    return args[0] === '--help' ? 0 : 2;
  }
  const helperDir = await ensureHelperImage({ log: createLogger(), prune: true });
  process.stdout.write(`${helperDir}\n`);
  return 0;
}
