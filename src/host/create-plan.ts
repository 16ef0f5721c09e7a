import type { DeploymentPlan } from '../../machines/host/ports.ts';
import { DEFAULT_BACKENDS_CONFIG_DIR } from './backends/backends-config.ts';
import { localSourceImageDir } from './backends/local-source-conf.ts';
import { loadDeploymentRequest, realInputFiles, type EffectiveConfig, type Environment } from './inputs/deployment-request.ts';
import type { Logger } from '../log.ts';
import { httpSettingsOf } from './inputs/http-settings.ts';
import { readCaBundle } from './backends/ca-bundle.ts';

/** The plan of a real create, and the settings create itself reads: where the monitor, the log and the trace go. */
export interface CreatePlan extends DeploymentPlan {
  readonly config: Pick<EffectiveConfig, 'PROGRESS_MONITOR' | 'LOG_LEVEL' | 'IMAGE_DEBUG' | 'TRACE_DIR' | 'TRACE_MAX_AGE'>;
}

/** The validate effect: the OS API environment, configuration and parameters, checked and cut into the parts the effects read. */
export async function validateCreate(ports: {
  readonly env: Environment;
  readonly fetch: typeof globalThis.fetch;
  readonly log: Logger;
  readonly backendsConfigDir?: string;
}, signal?: AbortSignal): Promise<CreatePlan> {
  const request = await loadDeploymentRequest({ env: ports.env, files: realInputFiles, fetch: ports.fetch, ...(signal ? { signal } : {}) });
  const { config, parameters, image, disks } = request;
  const warnings = [...request.warnings];
  const backendsConfigDir = ports.backendsConfigDir ?? DEFAULT_BACKENDS_CONFIG_DIR;
  const imageDir = await localSourceImageDir(config.IMAGE_DIR, backendsConfigDir, realInputFiles, warnings);
  for (const warning of warnings) ports.log.warn(warning);
  const http = httpSettingsOf(config);
  // An unusable CA_BUNDLE is refused before the disk is touched.
  if (http?.caBundle !== undefined) await readCaBundle(http.caBundle);
  return {
    instance: request.instanceName,
    helperTimeouts: { bootMs: config.HELPER_BOOT_TIMEOUT * 1000, softMs: config.HELPER_SOFT_TIMEOUT * 1000, hardMs: config.HELPER_HARD_TIMEOUT * 1000 },
    image: { id: image.id, format: image.format, ...(parameters.img_checksum ? { checksum: parameters.img_checksum } : {}) },
    disk: disks[0]!.target,
    backends: { imageDir, backendsConfigDir, downloadStallSeconds: config.DOWNLOAD_STALL_TIMEOUT, ...(http ? { http } : {}) },
    helper: {
      boot: { setting: config.HELPER_ACCEL, qemu: config.QEMU, machine: config.HELPER_MACHINE_TYPE, helperDir: config.HELPER_DIR, memoryMiB: config.HELPER_MEMORY },
      user: config.HELPER_USER,
      sandbox: config.HELPER_SANDBOX,
      debug: config.HELPER_DEBUG,
      diskType: request.diskType,
      otherDisks: disks.slice(1).map((d) => d.target),
    },
    configDevice: {
      instanceName: request.instanceName,
      image,
      parameters,
      nics: request.nics,
      diskType: request.diskType,
      diskCount: disks.length,
      ...(http ? { http } : {}),
      config: {
        HELPER_MACHINE_TYPE: config.HELPER_MACHINE_TYPE,
        UNATTEND: config.UNATTEND,
        WINDOWS_TIMEZONE: config.WINDOWS_TIMEZONE,
        DHCP_TAGS: config.DHCP_TAGS,
        STATEFUL_DHCPV6_TAGS: config.STATEFUL_DHCPV6_TAGS,
        STATELESS_DHCPV6_TAGS: config.STATELESS_DHCPV6_TAGS,
        DEFAULT_NIC_CONFIG: config.DEFAULT_NIC_CONFIG,
        CLOUD_INIT_DEBUG: config.CLOUD_INIT_DEBUG,
      },
    },
    config: {
      PROGRESS_MONITOR: config.PROGRESS_MONITOR,
      LOG_LEVEL: config.LOG_LEVEL,
      IMAGE_DEBUG: config.IMAGE_DEBUG,
      TRACE_DIR: config.TRACE_DIR,
      TRACE_MAX_AGE: config.TRACE_MAX_AGE,
    },
  };
}

