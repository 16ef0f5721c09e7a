import type { OsParameterName } from '../../machines/host/os-parameter-names.ts';

/**
 * The OS definition's parameters.list: every parameter Ganeti accepts for
 * snf-image, with the one-line description `gnt-os info` shows. Typed by the
 * parameter names, so a parameter added there cannot be forgotten here.
 */
export const PARAMETER_DESCRIPTIONS: Readonly<Record<OsParameterName, string>> = {
  img_id: 'The image to deploy: a file in IMAGE_DIR, an http(s)/ftp(s) URL, or null to keep the disk as it is',
  img_format: 'The image format: diskdump (raw, or compressed with gzip, xz or zstd), extdump, ntfsdump or qcow2',
  img_checksum: 'The checksum of the image as fetched, sha256:<hex>, sha384:<hex> or sha512:<hex>; a mismatch fails the deployment',
  img_passwd: 'The password for the guest administrator (conflicts with img_passwd_hash)',
  img_passwd_hash: 'A crypt(3) hash of the guest administrator password (conflicts with img_passwd)',
  img_properties: 'Image properties as a JSON object (OSFAMILY, ROOT_PARTITION, USERS, ...)',
  img_personality: 'Files to inject, a JSON list of {path, contents (base64), owner, group, mode}',
  inst_properties: 'Instance properties as a JSON object; they override img_properties',
  auth_keys: 'SSH public keys to add to the authorized keys of the guest users',
  os_product_key: 'The Windows product key (XXXXX-XXXXX-XXXXX-XXXXX-XXXXX)',
  os_answer_file: 'URL of a Windows answer file (unattend.xml) to use instead of the generated one',
  config_url: 'URL of a JSON object whose keys set any of these parameters; its values win',
  cloud_userdata: 'Base64-encoded cloud-init user data for the guest',
};

/** parameters.list as Ganeti reads it: a name, whitespace, a description, a line each. */
export function parametersListText(): string {
  return Object.entries(PARAMETER_DESCRIPTIONS)
    .map(([name, description]) => `${name} ${description}\n`)
    .join('');
}
