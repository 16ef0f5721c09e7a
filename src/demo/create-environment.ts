import { writeFile } from 'node:fs/promises';
import type { Environment } from '../host/inputs/deployment-request.ts';

/**
 * Writes a configuration file of `KEY='value'` lines, as an operator's
 * snf-image.conf (values holding a quote are refused: they would need escaping).
 */
export async function writeConfigFile(path: string, settings: Readonly<Record<string, string>>): Promise<void> {
  const lines = Object.entries(settings).map(([key, value]) => {
    if (value.includes("'")) throw new Error(`${key}: a value with a single quote cannot be written here`);
    return `${key}='${value}'\n`;
  });
  await writeFile(path, lines.join(''));
}

export interface OneDiskInstance {
  readonly name: string;
  /** The instance's disk: a file or block device. */
  readonly disk: string;
  readonly mac: string;
  readonly configFile: string;
  /** OSP_* values by parameter name (OSP_IMG_ID, OSP_IMG_PASSWD, ...). */
  readonly parameters: Readonly<Record<string, string>>;
}

/**
 * The environment Ganeti gives `create` for a KVM instance with one
 * paravirtual disk and one DHCP NIC, as the demo,
 * the benchmark and the tests run create.
 */
export function oneDiskCreateEnvironment(instance: OneDiskInstance): Environment {
  return {
    OS_API_VERSION: '20',
    INSTANCE_NAME: instance.name,
    HYPERVISOR: 'kvm',
    DISK_COUNT: '1',
    DISK_0_PATH: instance.disk,
    INSTANCE_HV_disk_type: 'paravirtual',
    NIC_COUNT: '1',
    NIC_0_MAC: instance.mac,
    NIC_0_NETWORK_TAGS: 'dhcp',
    SNF_IMAGE_CONFIG_FILE: instance.configFile,
    ...instance.parameters,
  };
}
