import { SEED_DIR, ensureSeedDir, writeCloudConfig, writePerOnceScript } from '../linux/cloud-init.ts';
import { MOUNTED_TASK_ORDER } from '../linux/mounted-task.ts';
import { envFlag, envSecretText, envText, guestRoot } from '../linux/task-env.ts';
import { declareTask } from '../declare-task.ts';
import type { Task } from '../task.ts';

const NAME = 'InitializeDatasource';
const PRIORITY = 35;

const DEBUG_LOGGING = `
_log:
 - &log_base |
   [loggers]
   keys=root,cloudinit

   [handlers]
   keys=consoleHandler,cloudLogHandler

   [formatters]
   keys=simpleFormatter,arg0Formatter

   [logger_root]
   level=DEBUG
   handlers=consoleHandler,cloudLogHandler

   [logger_cloudinit]
   level=DEBUG
   qualname=cloudinit
   handlers=
   propagate=1

   [handler_consoleHandler]
   class=StreamHandler
   level=DEBUG
   formatter=arg0Formatter
   args=(sys.stderr,)

   [handler_cloudLogHandler]
   class=FileHandler
   level=DEBUG
   formatter=arg0Formatter
   args=('/var/log/snf-image/cloud-init-debug.log',)

   [formatter_arg0Formatter]
   format=%(asctime)s - %(filename)s[%(levelname)s]: %(message)s

   [formatter_simpleFormatter]
   format=[CLOUDINIT] %(filename)s[%(levelname)s]: %(message)s
logcfg: *log_base
`;

/**
 * In cloud-init mode, makes the guest's cloud-init read its NoCloud seed:
 * meta-data naming the instance and the cloud_userdata the user gave, which a
 * first-boot script empties once used (snf-image's 35InitializeDatasource).
 */
export const initializeDatasource: Task = declareTask({
  name: NAME,
  priority: PRIORITY,
  ...MOUNTED_TASK_ORDER,
  families: ['linux'],
  requires: ['TARGET'],
  attributes: { excludable: false, fsResizeExcludable: false, mountedExcludable: true, cloudInitExcludable: false, overwritable: true },
  async run(ctx) {
    if (!envFlag(ctx, 'PROPERTY_CLOUD_INIT')) {
      ctx.warn('Cloud-init is not enabled (CLOUD_INIT property): no datasource to initialize');
      return;
    }
    const guest = guestRoot(ctx.env);
    const debug = envFlag(ctx, 'CLOUD_INIT_DEBUG');
    // locale: false keeps the image's own locale. Without it cloud-init imposes
    // its default en_US.UTF-8, and on an image that has not generated that
    // locale cc_locale fails and with it cloud-config.service. User-data can
    // still ask for a locale: it overrides this system config.
    await writeCloudConfig(guest, PRIORITY, NAME, `datasource_list: [ NoCloud ]\nlocale: false\n${debug ? DEBUG_LOGGING : ''}`);
    if (debug) await guest.makeDirectories('/var/log/snf-image');
    await ensureSeedDir(guest);
    await guest.writeFile(`${SEED_DIR}/meta-data`, `instance-id: ${envText(ctx.env, 'HOSTNAME') ?? 'snf-image'}\n`, { mode: 0o600, uid: 0, gid: 0 });
    const userData = envSecretText(ctx.env, 'CLOUD_USERDATA')?.reveal() ?? '';
    if (userData.trim() === '') ctx.warn('No cloud user-data provided');
    await guest.writeFile(`${SEED_DIR}/user-data`, Buffer.from(userData, 'base64'), { mode: 0o600, uid: 0, gid: 0 });
    await writePerOnceScript(guest, 'clear_user_data.sh', `: > '${SEED_DIR}/user-data'\n`, debug);
  },
});
