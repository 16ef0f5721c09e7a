import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Resource } from '../../../machines/host/ports.ts';
import type { EffectContext } from '../../effects/effect.ts';
import type { Processes } from '../../effects/processes.ts';
import type { Logger } from '../../log.ts';
import { helperDeviceNames } from '../helper-vm/helper-devices.ts';
import { formatProperties } from '../image-format/image-format.ts';
import { readAnswerFile } from './answer-file.ts';
import { fetchWithHttpSettings } from '../backends/settings-fetch.ts';
import { createConfigDeviceWriter } from './config-device.ts';
import { helperRules } from './helper-rules.ts';
import { prepareHostKeys } from './host-keys.ts';
import { makeWorkDir, removeOrphanedWorkDirs } from '../work-dirs.ts';
import type { ConfigDeviceRequest } from '../../../machines/host/plan.ts';

/**
 * The writeConfigDevice effect of create: a private work directory (a
 * resource released at the end) holding the config device, with the rules,
 * the answer file and the SSH host keys the helper needs, and the empty
 * result file the helper's result channel writes to.
 */
export function createPrepareConfigDevice(ports: { readonly processes: Processes; readonly fetch: typeof globalThis.fetch; readonly log: Logger }) {
  const writeConfigDevice = createConfigDeviceWriter({ processes: ports.processes });
  return async (request: ConfigDeviceRequest, ctx: EffectContext) => {
    for (const orphan of await removeOrphanedWorkDirs()) ports.log.warn({ path: orphan }, 'removed the work directory of a create that is gone');
    const workDir = await makeWorkDir('create');
    const resources: Resource[] = [{ kind: 'tempdir', id: workDir }];
    try {
      const { devices } = helperDeviceNames({ machine: request.config.HELPER_MACHINE_TYPE, diskType: request.diskType, diskCount: request.diskCount });
      const answerUrl = request.parameters.os_answer_file;
      const fetch = request.http === undefined ? ports.fetch : fetchWithHttpSettings(request.http);
      const answerFile = answerUrl ? await readAnswerFile(answerUrl, fetch, ctx.signal) : undefined;
      const unattendFile = request.config.UNATTEND === undefined ? undefined : await readFile(request.config.UNATTEND, 'utf8');
      if (unattendFile !== undefined) ports.log.warn(`UNATTEND is deprecated: ${request.config.UNATTEND} goes on the config device as unattend.xml; use the os_answer_file OS parameter instead`);
      const forcedProperties = { ...formatProperties(request.image.format), ...(answerFile !== undefined ? { IGNORE_UNATTEND: 'yes' } : {}) };
      const configDevice = join(workDir, 'config.img');
      const hostKeys = await prepareHostKeys(ports.processes, `root@${request.instanceName}`, ctx.signal);
      await writeConfigDevice(
        {
          path: configDevice,
          rules: helperRules(request, { devices, forcedProperties }),
          windowsTimezone: request.config.WINDOWS_TIMEZONE,
          hostKeys,
          ...(answerFile !== undefined ? { answerFile } : {}),
          ...(unattendFile !== undefined ? { unattendFile } : {}),
        },
        ctx,
      );
      const resultChannel = join(workDir, 'result');
      await writeFile(resultChannel, '', { mode: 0o600 });
      return { configDevice, resultChannel, resources };
    } catch (error) {
      await rm(workDir, { recursive: true, force: true });
      throw error;
    }
  };
}
