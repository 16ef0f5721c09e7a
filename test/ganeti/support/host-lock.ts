import { withLock } from '../../../src/helper-image/cache.ts';
import { createLogger } from '../../../src/log.ts';

/**
 * The Ganeti test checks that the host's /etc/snf-image is unchanged, and
 * the package's test installs the package there: the two hold this lock for
 * their whole run, so neither sees the other's changes, whatever the test
 * runner's concurrency.
 */
const LOCK_DIR = '/run/lock/snf-image-host-tests.lock';

/** Waits for the lock and holds it until the returned function is called. */
export async function holdHostLock(): Promise<() => Promise<void>> {
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  let acquired = () => {};
  const taken = new Promise<void>((resolve) => (acquired = resolve));
  const holding = withLock(LOCK_DIR, createLogger('warn'), async () => {
    acquired();
    await released;
  });
  await Promise.race([taken, holding]);
  return async () => {
    release();
    await holding;
  };
}
