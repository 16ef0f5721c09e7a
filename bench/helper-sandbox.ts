// The cost of qemu's seccomp sandbox (HELPER_SANDBOX): the deploy case's
// deployment without and with it, alternating round by round
// (SNF_IMAGE_BENCH_ROUNDS, default 3), with the same helper image.
import { ensureHelperImage } from '../src/helper-image/build.ts';
import { createLogger } from '../src/log.ts';
import { compareDeployments } from './helper-compare.ts';

export async function run(): Promise<void> {
  const helperDir = await ensureHelperImage({ log: createLogger('warn') });
  await compareDeployments([
    { label: 'no sandbox', helperDir, options: { sandbox: false } },
    { label: 'sandbox', helperDir, options: { sandbox: true } },
  ], 'helper-sandbox');
}
