import { isSecret, type Secret } from '../../effects/secret.ts';
import { RULES_VERSION } from '../../protocol/rules.ts';
import type { RulesWithSecrets } from './config-device.ts';
import type { ConfigDeviceRequest } from '../../../machines/host/plan.ts';

/**
 * What the helper is told (rules.json), from the validated request: the
 * values snf-image exported as SNF_IMAGE_*, by the same names. A parameter
 * is passed when it was set, even to an empty value, as snf-image did for
 * img_passwd and friends; JSON parameters only when non-empty.
 */
export function helperRules(
  request: ConfigDeviceRequest,
  helper: { readonly devices: readonly string[]; readonly forcedProperties: Readonly<Record<string, string>> },
): RulesWithSecrets {
  const p = request.parameters;
  const env: Record<string, string | Secret> = {
    HOSTNAME: request.instanceName,
    TYPE: request.image.format,
    DHCP_TAGS: request.config.DHCP_TAGS.join(' '),
    STATEFUL_DHCPV6_TAGS: request.config.STATEFUL_DHCPV6_TAGS.join(' '),
    STATELESS_DHCPV6_TAGS: request.config.STATELESS_DHCPV6_TAGS.join(' '),
    DEFAULT_NIC_CONFIG: request.config.DEFAULT_NIC_CONFIG,
  };
  const whenSet = { PASSWD: p.img_passwd, PASSWD_HASH: p.img_passwd_hash, OS_PRODUCT_KEY: p.os_product_key, AUTH_KEYS: p.auth_keys, CLOUD_USERDATA: p.cloud_userdata };
  for (const [name, value] of Object.entries(whenSet)) if (value !== undefined) env[name] = value;
  const whenNonEmpty = { PROPERTIES: p.img_properties, INST_PROPERTIES: p.inst_properties, PERSONALITY: p.img_personality };
  for (const [name, value] of Object.entries(whenNonEmpty)) if (value !== undefined && textOf(value) !== '') env[name] = value;
  if (request.config.CLOUD_INIT_DEBUG) env.CLOUD_INIT_DEBUG = 'yes';
  for (const [name, value] of Object.entries(request.nics)) env[name] = value;
  return { version: RULES_VERSION, env, devices: [...helper.devices], forcedProperties: { ...helper.forcedProperties } };
}

function textOf(value: string | Secret): string {
  return isSecret(value) ? value.reveal() : value;
}
