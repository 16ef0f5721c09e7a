import { SnfImageError } from '../../errors.ts';
import { checkHostname } from '../linux/hostname-files.ts';
import { envText, guestRoot } from '../linux/task-env.ts';
import type { TaskContext } from '../task.ts';
import { bsdFamily } from './bsd-task.ts';
import { hasRcValue, setRcValue } from './rc-conf.ts';

/**
 * AssignHostname for the BSDs (snf-image's 50AssignHostname): FreeBSD keeps
 * the name in rc.conf (hostname=), OpenBSD in /etc/myname, NetBSD in
 * /etc/myname and in rc.conf when rc.conf sets one (rc.conf wins there).
 */
export async function assignBsdHostname(ctx: TaskContext): Promise<void> {
  const name = envText(ctx.env, 'HOSTNAME');
  if (!name) throw new SnfImageError('HOSTNAME is empty: the instance has no name to give the guest');
  checkHostname(name);
  const guest = guestRoot(ctx.env);
  const family = bsdFamily(ctx);
  const rcConf = (await guest.readText('/etc/rc.conf')) ?? '';
  if (family === 'freebsd') {
    await guest.writeFile('/etc/rc.conf', setRcValue(rcConf, 'hostname', name));
    return;
  }
  await guest.writeFile('/etc/myname', `${name}\n`);
  if (family === 'netbsd' && hasRcValue(rcConf, 'hostname')) await guest.writeFile('/etc/rc.conf', setRcValue(rcConf, 'hostname', name));
}
