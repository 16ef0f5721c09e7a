import type { HttpSettings } from '../../../machines/host/plan.ts';
import type { EffectiveConfig } from './settings.ts';

/**
 * HTTP_PROXY, HTTPS_PROXY, NO_PROXY and CA_BUNDLE as the plan carries them,
 * or undefined when none is set, so a plan without them is the plan it
 * always was.
 */
export function httpSettingsOf(config: Pick<EffectiveConfig, 'HTTP_PROXY' | 'HTTPS_PROXY' | 'NO_PROXY' | 'CA_BUNDLE'>): HttpSettings | undefined {
  if (config.HTTP_PROXY === undefined && config.HTTPS_PROXY === undefined && config.NO_PROXY.length === 0 && config.CA_BUNDLE === undefined) return undefined;
  return {
    noProxy: config.NO_PROXY,
    ...(config.HTTP_PROXY ? { httpProxy: config.HTTP_PROXY } : {}),
    ...(config.HTTPS_PROXY ? { httpsProxy: config.HTTPS_PROXY } : {}),
    ...(config.CA_BUNDLE ? { caBundle: config.CA_BUNDLE } : {}),
  };
}
