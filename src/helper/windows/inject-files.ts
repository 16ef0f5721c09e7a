import { rename } from 'node:fs/promises';
import { posix } from 'node:path';
import type { GuestRoot } from '../linux/guest-path.ts';
import type { PersonalityFile } from '../linux/personality.ts';
import type { TaskContext } from '../task.ts';

/**
 * img_personality on a Windows volume, as snf-image's inject-files.py did it
 * there: each file at its path under the volume's root, its parent folders
 * made; a file already there is kept as `PATH.bak.YYYYmmdd.HHMMSS`. NTFS has
 * no owners, groups or modes that a Unix name could mean, and Ganeti's
 * personality always carries them: they are ignored, as snf-image did.
 */
export async function injectWindowsFiles(ctx: TaskContext, guest: GuestRoot, files: readonly PersonalityFile[]): Promise<void> {
  // The stamp comes from the helper's date, as inject-files.py took it from the clock, once for the run.
  const stamp = (await ctx.processes.run('date', ['-u', '+%Y%m%d.%H%M%S'], { signal: ctx.signal })).stdout.trim();
  for (const file of files) {
    await guest.makeDirectories(posix.dirname(file.path));
    if (await guest.exists(file.path)) {
      await rename(await guest.resolveNoFollow(file.path), await guest.resolveNoFollow(`${file.path}.bak.${stamp}`));
    }
    await guest.writeFile(file.path, file.contents);
  }
}
