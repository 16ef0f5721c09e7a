import { SnfImageError } from '../../errors.ts';
import { Secret } from '../../effects/secret.ts';
import { isSecretOsParameter, OS_PARAMETER_NAMES, type OsParameterName, type SecretOsParameterName } from '../../../machines/host/os-parameter-names.ts';
import { describeValue, type SourcedValue, type ValueLayer } from './sourced-value.ts';
import type { OsParameters } from '../../../machines/host/plan.ts';

/** Parameters with where each came from, for messages. */
export type SourcedParameters = ReadonlyMap<OsParameterName, SourcedValue<string | Secret>>;

export class ConflictingPasswordParametersError extends SnfImageError {
  override readonly name = 'ConflictingPasswordParametersError';
  constructor(passwd: SourcedValue<string | Secret>, hash: SourcedValue<string | Secret>) {
    super(
      `${describeValue(passwd)} and ${describeValue(hash)} are both set; give only one of them ` +
        '(img_passwd for a plain password, img_passwd_hash for a crypt(3) hash). A parameter set to an empty value counts as set.',
    );
  }
}

function wrap(name: OsParameterName, value: string): string | Secret {
  return isSecretOsParameter(name) ? new Secret(value) : value;
}

/** The parameters Ganeti passed: OSP_<NAME> for each, kept when defined even if empty. */
export function readOsParameterEnv(env: Readonly<Record<string, string | undefined>>): SourcedParameters {
  const parameters = new Map<OsParameterName, SourcedValue<string | Secret>>();
  for (const name of OS_PARAMETER_NAMES) {
    const value = env[`OSP_${name.toUpperCase()}`];
    if (value !== undefined) parameters.set(name, { name, value: wrap(name, value) });
  }
  return parameters;
}

/** Defaults for the parameters that the configuration or a variant file set under their upper-case names. */
export function parametersFromSettings(layer: ValueLayer): SourcedParameters {
  const parameters = new Map<OsParameterName, SourcedValue<string | Secret>>();
  for (const name of OS_PARAMETER_NAMES) {
    const given = layer.get(name.toUpperCase());
    if (given !== undefined) parameters.set(name, { ...given, value: wrap(name, given.value) });
  }
  return parameters;
}

/** A parameter from a config_url answer, wrapped at once when it is a secret. */
export function sourcedParameter(name: OsParameterName, value: string, writtenAs: string, where: string): SourcedValue<string | Secret> {
  return { name: writtenAs, value: wrap(name, value), where };
}

/** snf-image refuses both even when one of them is empty: which one the operator meant is unknowable. */
export function checkPasswordConflict(parameters: SourcedParameters): void {
  const passwd = parameters.get('img_passwd');
  const hash = parameters.get('img_passwd_hash');
  if (passwd !== undefined && hash !== undefined) throw new ConflictingPasswordParametersError(passwd, hash);
}

export function toOsParameters(parameters: SourcedParameters): OsParameters {
  const plain: Record<string, string | Secret> = {};
  for (const [name, { value }] of parameters) plain[name] = value;
  return plain as OsParameters;
}
