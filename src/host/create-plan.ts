import type { DeploymentPlan } from '../../machines/host/ports.ts';
import type { BackendsConfig } from './backends/backends-config.ts';
import { DEFAULT_BACKENDS_CONFIG_DIR } from './backends/backends-config.ts';
import { localSourceImageDir } from './backends/local-source-conf.ts';
import { loadDeploymentRequest, realInputFiles, type DeploymentRequest, type Environment } from './inputs/deployment-request.ts';
import type { Logger } from '../log.ts';

/** The plan of a real create: the validated request, and the timeouts the machine reads. */
export interface CreatePlan extends DeploymentPlan {
  readonly request: DeploymentRequest;
  /** IMAGE_DIR as the local back-end's own configuration file may set it, and where the back-ends' files are. */
  readonly backends: BackendsConfig;
}

/** The request behind a plan the validate effect made. */
export const requestOf = (plan: DeploymentPlan): DeploymentRequest => (plan as CreatePlan).request;

/** IMAGE_DIR and the back-ends' .priority and .disabled files, for the back-ends. */
export const backendsConfigOf = (plan: DeploymentPlan): BackendsConfig => (plan as CreatePlan).backends;

/** The validate effect: the OS API environment, configuration and parameters, checked and merged into a plan. */
export async function validateCreate(ports: {
  readonly env: Environment;
  readonly fetch: typeof globalThis.fetch;
  readonly log: Logger;
  readonly backendsConfigDir?: string;
}): Promise<CreatePlan> {
  const request = await loadDeploymentRequest({ env: ports.env, files: realInputFiles, fetch: ports.fetch });
  const warnings = [...request.warnings];
  const backendsConfigDir = ports.backendsConfigDir ?? DEFAULT_BACKENDS_CONFIG_DIR;
  const imageDir = await localSourceImageDir(request.config.IMAGE_DIR, backendsConfigDir, realInputFiles, warnings);
  for (const warning of warnings) ports.log.warn(warning);
  return {
    instance: request.instanceName,
    helperTimeouts: { bootMs: request.config.HELPER_BOOT_TIMEOUT * 1000, softMs: request.config.HELPER_SOFT_TIMEOUT * 1000, hardMs: request.config.HELPER_HARD_TIMEOUT * 1000 },
    request,
    backends: { imageDir, backendsConfigDir },
  };
}
