import { SnfImageError } from '../../errors.ts';
import { SEED_DIR, ensureSeedDir, writeCloudConfig } from '../linux/cloud-init.ts';
import { detectBaseDistro } from '../linux/distro.ts';
import { checkHostname, updateHostsFile, writeHostnameFiles } from '../linux/hostname-files.ts';
import { mountedTask } from '../linux/mounted-task.ts';
import { envFlag, envText, guestRoot } from '../linux/task-env.ts';
import type { Task } from '../task.ts';
import { OS_FAMILIES } from '../../../machines/helper/task-declaration.ts';

/** Gives a Linux guest the instance name as its hostname (snf-image's 50AssignHostname). */
const NAME = 'AssignHostname';
const PRIORITY = 50;

export const assignHostname: Task = mountedTask({
  name: NAME,
  priority: PRIORITY,
  families: ['linux'],
  askedFor: { families: OS_FAMILIES, whenSet: ['HOSTNAME'] },
  requires: ['TARGET', 'HOSTNAME'],
  async run(ctx) {
    const name = envText(ctx.env, 'HOSTNAME');
    if (!name) throw new SnfImageError('HOSTNAME is empty: the instance has no name to give the guest');
    checkHostname(name);
    const guest = guestRoot(ctx.env);
    if (envFlag(ctx, 'PROPERTY_CLOUD_INIT')) {
      await ensureSeedDir(guest);
      await guest.appendText(`${SEED_DIR}/meta-data`, `local-hostname: ${name}\n`, { mode: 0o600 });
      // cloud-init sets only the first label of a dotted local-hostname; the
      // instance name is the hostname as is, as without cloud-init.
      await writeCloudConfig(guest, PRIORITY, NAME, 'prefer_fqdn_over_hostname: true\n');
      return;
    }
    await writeHostnameFiles(guest, await detectBaseDistro(guest), name);
    await updateHostsFile(guest, name);
  },
});
