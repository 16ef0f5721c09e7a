import { access, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { execa } from 'execa';
import { ensureHelperImage } from '../../../src/helper-image/build.ts';
import { createLogger } from '../../../src/log.ts';
import { REPO_DIR } from './install-snf-image.ts';

/**
 * What a real create needs: a Debian diskdump image and a helper VM image,
 * both built by the project's own fixture scripts and cached outside the
 * tree. The image comes from SNF_IMAGE_TEST_GUEST_IMAGE, else from
 * scripts/fixtures/debian-guest-image.sh (which prints its path) when the
 * project has it.
 */
export type DeployableImage =
  | { readonly skip: string }
  | {
      readonly skip?: undefined;
      readonly imageDir: string;
      readonly imageId: string;
      readonly helperDir: string;
      readonly diskMiB: number;
      /** A command: `readGuestFile DISK PATH` prints a file of the guest's root filesystem. */
      readonly readGuestFile: string;
    };

const IMAGE_SCRIPT = `${REPO_DIR}scripts/fixtures/debian-guest-image.sh`;
const READ_GUEST_FILE = `${REPO_DIR}test/ganeti/support/read-guest-file.sh`;

export async function findDeployableImage(): Promise<DeployableImage> {
  let image = process.env.SNF_IMAGE_TEST_GUEST_IMAGE ?? '';
  if (image === '') {
    if (!(await exists(IMAGE_SCRIPT))) return { skip: `no guest image: set SNF_IMAGE_TEST_GUEST_IMAGE or add ${IMAGE_SCRIPT}` };
    image = (await execa('sh', [IMAGE_SCRIPT])).stdout.trim();
  }
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

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
