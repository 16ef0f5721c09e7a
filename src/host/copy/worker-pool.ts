/**
 * Runs one worker per item at once and resolves when every one has
 * returned; then throws the first failure, if any. Waiting for all before
 * throwing is the point: a caller that closes the disk on failure must not
 * do so while another worker's write is still in flight. `stopped()` tells a
 * worker that another one failed, so it ends at its next step.
 */
export async function runWorkers<T>(items: readonly T[], work: (item: T, stopped: () => boolean) => Promise<void>): Promise<void> {
  let failed = false;
  let failure: unknown;
  const stopped = () => failed;
  await Promise.all(
    items.map((item) =>
      work(item, stopped).catch((error: unknown) => {
        if (failed) return;
        failed = true;
        failure = error;
      }),
    ),
  );
  if (failed) throw failure;
}
