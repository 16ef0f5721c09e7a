import type { DeploymentPlan } from '../../machines/host/ports.ts';
import type { BackendsConfig } from './backends/backends-config.ts';
import { DEFAULT_BACKENDS_CONFIG_DIR } from './backends/backends-config.ts';
import { loadDeploymentRequest, realInputFiles, type DeploymentRequest, type Environment } from './inputs/deployment-request.ts';
import type { Logger } from '../log.ts';

/** The plan of a real create: the validated request, and the timeouts the machine reads. */
export interface CreatePlan extends DeploymentPlan {
  readonly request: DeploymentRequest;
}

/** The request behind a plan the validate effect made. */
export const requestOf = (plan: DeploymentPlan): DeploymentRequest => (plan as CreatePlan).request;

/** IMAGE_DIR and the back-ends' .priority and .disabled files, for the back-ends. */
export function backendsConfig(request: DeploymentRequest, backendsConfigDir: string | undefined): BackendsConfig {
  return { imageDir: request.config.IMAGE_DIR, backendsConfigDir: backendsConfigDir ?? DEFAULT_BACKENDS_CONFIG_DIR };
}

/** The validate effect: the OS API environment, configuration and parameters, checked and merged into a plan. */
export async function validateCreate(ports: { readonly env: Environment; readonly fetch: typeof globalThis.fetch; readonly log: Logger }): Promise<CreatePlan> {
  const request = await loadDeploymentRequest({ env: ports.env, files: realInputFiles, fetch: ports.fetch });
  for (const warning of request.warnings) ports.log.warn(warning);
  return {
    instance: request.instanceName,
    helperTimeouts: { softMs: request.config.HELPER_SOFT_TIMEOUT * 1000, hardMs: request.config.HELPER_HARD_TIMEOUT * 1000 },
    request,
  };
}
