/**
 * The host side's inputs, read and validated in one place.
 *
 *   loadDeploymentRequest({ env, files, fetch, signal? }): Promise<DeploymentRequest>
 *     for `create`: the Ganeti OS API 20 environment, the configuration files,
 *     the variant, the OS parameters and config_url, merged and checked.
 *   verifyParameters({ env, files }): Promise<VerifyResult>
 *     for `verify parameters`: snf-image's parameter rules, without fetching.
 *
 * `env` is the process environment as Ganeti gives it; `files` reads the
 * configuration and looks at disk paths (realInputFiles in production, a map
 * in tests); `fetch` fetches config_url (globalThis.fetch in production),
 * unless HTTP_PROXY, HTTPS_PROXY, NO_PROXY or CA_BUNDLE is set, which
 * globalThis.fetch cannot follow (src/host/backends/settings-fetch.ts).
 * The configuration is /etc/default/snf-image overlaid by
 * /etc/snf-image/snf-image.conf, or only the file named by
 * SNF_IMAGE_CONFIG_FILE when that is set.
 *
 * Precedence of OS parameter values, lowest first: configuration file,
 * variant file (VARIANTS_DIR/<OS_VARIANT>.conf), OSP_* from Ganeti, then the
 * config_url answer. A parameter set to an empty value is set (this matters
 * for img_passwd versus img_passwd_hash); secrets are Secret from the moment
 * they are read.
 *
 * Every failure is a SnfImageError subclass whose message names the variable
 * or parameter as the operator wrote it, where it was set, its value unless
 * it is a secret, and what to do. Warnings (yes/no values that are neither,
 * unknown settings, unknown config_url keys) are returned, for the caller to
 * log and report; nothing here logs or prints.
 *
 * Decisions where snf-image left room:
 * - img_properties, inst_properties, img_personality and the length of
 *   img_passwd are checked in create and verify (parameter-contents.ts),
 *   not first in the helper after the copy.
 * - img_format, os_product_key and os_answer_file are checked in create too,
 *   and the img_passwd/img_passwd_hash conflict in verify too, so a bad value
 *   fails before anything is created.
 * - config_url values must be JSON strings (img_properties, inst_properties
 *   and img_personality may also be the JSON itself); see config-url.ts.
 * - HYPERVISOR may also be `fake` (Ganeti's test hypervisor): the helper runs
 *   under qemu whatever the instance's hypervisor.
 * - The machine type comes from INSTANCE_HV_machine_version, the name Ganeti's
 *   kvm hypervisor uses.
 */
import { configFilePaths, readConfigFiles } from './config-file.ts';
import { fetchConfigUrl } from './config-url.ts';
import { httpSettingsOf } from './http-settings.ts';
import { fetchWithHttpSettings } from '../backends/settings-fetch.ts';
import { checkOsApiVersion, readGanetiInstance, type Environment, type GanetiInstance } from './ganeti-env.ts';
import type { InputFiles } from './input-files.ts';
import { checkPasswordConflict, parametersFromSettings, readOsParameterEnv, toOsParameters, type SourcedParameters } from './os-parameters.ts';
import { checkUnattendFile, resolveSettings, settingText, type EffectiveConfig } from './settings.ts';
import { checkParameterContents } from './parameter-contents.ts';
import { mergeLayers, type ValueLayer } from './sourced-value.ts';
import { readVariant } from './variants.ts';
import { checkParameterFormats, checkRequiredParameters } from './verify-rules.ts';
import type { ImageFormat, OsParameters } from '../../../machines/host/plan.ts';

export type { EffectiveConfig } from './settings.ts';
export type { Environment, Hypervisor, InstanceDisk } from './ganeti-env.ts';
export type { InputFiles, PathKind } from './input-files.ts';
export { realInputFiles } from './real-input-files.ts';

/** The instance as Ganeti describes it (its disks: the image goes onto disks[0]), and what to deploy on it. */
export interface DeploymentRequest extends Omit<GanetiInstance, 'name'> {
  readonly instanceName: string;
  /** img_id and img_format, present and valid. */
  readonly image: { readonly id: string; readonly format: ImageFormat };
  /** All OS parameters after merging; absent = never set, '' = set to empty. */
  readonly parameters: OsParameters;
  readonly config: EffectiveConfig;
  readonly warnings: readonly string[];
}

export interface LoadInputs {
  readonly env: Environment;
  readonly files: InputFiles;
  readonly fetch: typeof globalThis.fetch;
  /** Stops the config_url fetch when the run is aborted. */
  readonly signal?: AbortSignal;
}

export interface VerifyResult {
  readonly warnings: readonly string[];
}

export async function loadDeploymentRequest({ env, files, fetch, signal }: LoadInputs): Promise<DeploymentRequest> {
  const warnings: string[] = [];
  checkOsApiVersion(env);
  const settingsLayer = await readSettingsLayers(env, files);
  const config = resolveSettings(settingsLayer, warnings);
  await checkUnattendFile(config, files);
  const instance = await readGanetiInstance(env, files);

  let parameters: SourcedParameters = mergeLayers([parametersFromSettings(settingsLayer), readOsParameterEnv(env)]);
  const configUrl = toOsParameters(parameters).config_url;
  if (configUrl !== undefined && configUrl !== '') {
    const http = httpSettingsOf(config);
    const fetchThrough = http === undefined ? fetch : fetchWithHttpSettings(http);
    const fromUrl = await fetchConfigUrl(configUrl, { fetch: fetchThrough, timeoutSeconds: config.CONFIG_URL_TIMEOUT, ...(signal ? { signal } : {}) }, warnings);
    parameters = mergeLayers([parameters, fromUrl]);
  }
  checkPasswordConflict(parameters);
  checkRequiredParameters(parameters);
  checkParameterFormats(parameters);
  checkParameterContents(parameters);

  const plain = toOsParameters(parameters);
  const { name, ...described } = instance;
  return {
    instanceName: name,
    ...described,
    image: { id: plain.img_id as string, format: plain.img_format as ImageFormat },
    parameters: plain,
    config,
    warnings,
  };
}

/**
 * snf-image's verify: the configuration must be valid (DEFAULT_NIC_CONFIG
 * above all), img_id and img_format given, and the formats of img_format,
 * os_product_key and os_answer_file right. With config_url the parameters may
 * all come from its answer, which is not fetched here, so everything else is
 * accepted. Unlike snf-image, the img_passwd/img_passwd_hash conflict is
 * caught here too, so `gnt-instance add` fails before it creates anything.
 */
export async function verifyParameters({ env, files }: Omit<LoadInputs, 'fetch'>): Promise<VerifyResult> {
  const warnings: string[] = [];
  checkOsApiVersion(env);
  const settingsLayer = await readSettingsLayers(env, files);
  resolveSettings(settingsLayer, warnings);

  const parameters = mergeLayers([parametersFromSettings(settingsLayer), readOsParameterEnv(env)]);
  checkPasswordConflict(parameters);
  const configUrl = toOsParameters(parameters).config_url;
  if (configUrl !== undefined && configUrl !== '') return { warnings };
  checkRequiredParameters(parameters);
  checkParameterFormats(parameters);
  checkParameterContents(parameters);
  return { warnings };
}

/**
 * TRACE_DIR as the configuration sets it, read on its own: a run that failed
 * validation still writes its trace where the operator looks for traces.
 * Undefined when the configuration does not set it or cannot be read.
 */
export async function configuredTraceDir(env: Environment, files: InputFiles): Promise<string | undefined> {
  try {
    const given = (await readSettingsLayers(env, files)).get('TRACE_DIR')?.value;
    return given === undefined || given === '' ? undefined : given;
  } catch {
    return undefined;
  }
}

/** The configuration files overlaid by the variant's file: settings and OS parameter defaults. */
async function readSettingsLayers(env: Environment, files: InputFiles): Promise<ValueLayer> {
  const configLayer = await readConfigFiles(configFilePaths(env), files);
  const variantLayer = await readVariant(
    env.OS_VARIANT,
    { variantsDir: settingText(configLayer, 'VARIANTS_DIR'), variantsList: settingText(configLayer, 'VARIANTS_LIST') },
    files,
  );
  return mergeLayers([configLayer, variantLayer]);
}
