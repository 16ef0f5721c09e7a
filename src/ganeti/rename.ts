import { createLogger, type Logger } from '../log.ts';

/**
 * Ganeti's rename script (gnt-instance rename, and after gnt-backup import,
 * from the name inside the export). As in snf-image, it changes nothing in
 * the guest: the guest's hostname was set at create time and belongs to the
 * guest's owner from then on; rewriting it would need the helper VM and the
 * instance stopped, for a name the owner may have changed on purpose. It
 * logs the rename so the Ganeti log shows it was seen, and succeeds.
 */
export async function runRename(env: Readonly<Record<string, string | undefined>>, logger: Logger = createLogger()): Promise<number> {
  const log = logger.child({ component: 'rename' });
  const from = env.OLD_INSTANCE_NAME ?? '(unknown)';
  const to = env.INSTANCE_NAME ?? '(unknown)';
  log.info({ from, to }, `instance renamed from ${from} to ${to}; the guest is left unchanged (its hostname is not rewritten)`);
  return 0;
}
