/**
 * The OS parameters snf-image defines (its parameters.list), as Ganeti users
 * type them. Ganeti passes each as OSP_<UPPER-CASE NAME>; configuration and
 * variant files set defaults under the upper-case name.
 */
export const OS_PARAMETER_NAMES = [
  'img_id',
  'img_format',
  'img_checksum',
  'img_passwd',
  'img_passwd_hash',
  'img_properties',
  'img_personality',
  'config_url',
  'os_product_key',
  'os_answer_file',
  'auth_keys',
  'cloud_userdata',
  'inst_properties',
] as const;

export type OsParameterName = (typeof OS_PARAMETER_NAMES)[number];

/**
 * Parameters wrapped in Secret the moment they are read: passwords and
 * hashes, keys, user data, file contents, and the Windows product key (a
 * licence). They never appear in a message, a log line or a trace.
 */
export const SECRET_OS_PARAMETERS = ['img_passwd', 'img_passwd_hash', 'img_personality', 'os_product_key', 'auth_keys', 'cloud_userdata'] as const;

export type SecretOsParameterName = (typeof SECRET_OS_PARAMETERS)[number];

export function isSecretOsParameter(name: OsParameterName): name is SecretOsParameterName {
  return (SECRET_OS_PARAMETERS as readonly string[]).includes(name);
}

export function isOsParameterName(name: string): name is OsParameterName {
  return (OS_PARAMETER_NAMES as readonly string[]).includes(name);
}
