/**
 * Environments as a real Ganeti 3.0.2 passed them to an OS definition's
 * scripts (recorded in the project's reference on Ganeti's OS calls):
 * `gnt-instance add -t file -o snf-image+default ... -O img_id=foo,img_format=diskdump,
 * img_properties={"OSFAMILY":"linux"} --os-parameters-private img_passwd=s3cr3t inst1.example`.
 */
export const DISK_0_PATH = '/srv/ganeti/file-storage/inst1.example/f3400475-dbbd-466f-85b1-a603b9072ed3.file.disk0';

/** `verify parameters`: only OS_* and OSP_*. */
export const verifyEnv: Readonly<Record<string, string>> = {
  DEBUG_LEVEL: '0',
  OSP_IMG_FORMAT: 'diskdump',
  OSP_IMG_ID: 'foo',
  OSP_IMG_PASSWD: 's3cr3t',
  OSP_IMG_PROPERTIES: '{"OSFAMILY":"linux"}',
  OS_API_VERSION: '20',
  OS_NAME: 'snf-image',
  OS_VARIANT: 'default',
  PATH: '/sbin:/bin:/usr/sbin:/usr/bin',
  PWD: '/srv/ganeti/os/snf-image',
  SHLVL: '1',
};

/** `create` on the fake hypervisor with a file disk. */
export const createEnv: Readonly<Record<string, string>> = {
  ...verifyEnv,
  DISK_0_ACCESS: 'rw',
  DISK_0_BACKEND_TYPE: 'file:loop',
  DISK_0_PATH,
  DISK_0_SIZE: '1024',
  DISK_0_UUID: '95b66d43-c504-4fce-a5a4-c95b366731e8',
  DISK_COUNT: '1',
  HYPERVISOR: 'fake',
  INSTANCE_BE_always_failover: 'False',
  INSTANCE_BE_auto_balance: 'True',
  INSTANCE_BE_maxmem: '128',
  INSTANCE_BE_minmem: '128',
  INSTANCE_BE_spindle_use: '1',
  INSTANCE_BE_vcpus: '1',
  INSTANCE_CTIME: '1795659792.185638',
  INSTANCE_HV_migration_mode: 'live',
  INSTANCE_MTIME: '1795659792.247334',
  INSTANCE_NAME: 'inst1.example',
  INSTANCE_OS: 'snf-image+default',
  INSTANCE_PRIMARY_NODE: 'aad390c0-799a-4d19-a7b4-1939b5a116f7',
  INSTANCE_SECONDARY_NODES: '',
  INSTANCE_UUID: '786be59e-6d6e-4649-a117-70f82632fc78',
  NIC_0_IP: '10.99.0.10',
  NIC_0_MAC: 'aa:00:00:ca:6a:14',
  NIC_0_MODE: 'routed',
  NIC_0_UUID: '3fe574cf-d131-43b7-afc7-6aa2b05b7348',
  NIC_COUNT: '1',
};

/** `create` with the kvm hypervisor: DISK_0_FRONTEND_TYPE and the full set of kvm hvparams (an excerpt). */
export const kvmCreateEnv: Readonly<Record<string, string>> = {
  ...createEnv,
  HYPERVISOR: 'kvm',
  DISK_0_FRONTEND_TYPE: 'paravirtual',
  INSTANCE_HV_acpi: 'True',
  INSTANCE_HV_boot_order: 'disk',
  INSTANCE_HV_disk_cache: 'default',
  INSTANCE_HV_disk_type: 'paravirtual',
  INSTANCE_HV_kernel_args: 'ro',
  INSTANCE_HV_kvm_path: '/usr/bin/kvm',
  INSTANCE_HV_machine_version: '',
  INSTANCE_HV_nic_type: 'paravirtual',
  INSTANCE_HV_root_path: '/dev/vda1',
  INSTANCE_HV_vnet_hdr: 'True',
  NIC_0_FRONTEND_TYPE: 'paravirtual',
};

/** `gnt-instance add --no-nics -O img_id=foo`: NIC_COUNT=0 and no other NIC_*. */
export const noNicsCreateEnv: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries({ ...createEnv, NIC_COUNT: '0' }).filter(([key]) => !/^NIC_\d/.test(key) && !key.startsWith('OSP_')),
);

/** A copy of an environment with some variables changed, and those given as undefined removed. */
export function withEnv(base: Readonly<Record<string, string>>, changes: Record<string, string | undefined>): Record<string, string> {
  const env: Record<string, string> = { ...base };
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}
