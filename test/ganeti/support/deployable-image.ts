import { stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { debianGuestImage } from '../../../scripts/fixtures/debian-guest-image.ts';
import { ensureHelperImage } from '../../../src/helper-image/build.ts';
import { createLogger } from '../../../src/log.ts';
import { REPO_DIR } from './install-snf-image.ts';

/**
 * What a real create needs: a Debian diskdump image and a helper VM image,
 * both built by the project's own fixture scripts and cached outside the
 * tree.
 */
export interface DeployableImage {
  readonly imageDir: string;
  readonly imageId: string;
  readonly helperDir: string;
  readonly diskMiB: number;
  /** A command: `readGuestFile DISK PATH` prints a file of the guest's root filesystem. */
  readonly readGuestFile: string;
}

const READ_GUEST_FILE = `${REPO_DIR}test/ganeti/support/read-guest-file.sh`;

export async function findDeployableImage(): Promise<DeployableImage> {
  const image = await debianGuestImage();
  const helperDir = await ensureHelperImage({ log: createLogger('warn') });
  const imageMiB = Math.ceil((await stat(image)).size / 2 ** 20);
  return {
    imageDir: dirname(image),
    imageId: basename(image),
    helperDir,
    // Room to grow, so the helper's resize tasks have something to do.
    diskMiB: imageMiB + 256,
    readGuestFile: READ_GUEST_FILE,
  };
}
