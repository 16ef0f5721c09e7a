import type { CommandResult, GanetiNamespace } from './ganeti-namespace.ts';

/**
 * A single-node Ganeti cluster in the test namespace, set up as
 * ganeti-os-calls.md describes: the fake hypervisor, the file disk
 * templates, NICs bridged on the namespace's br0 (so an instance added with
 * its default NIC, as the README's is, needs no IP) and an instance policy
 * that allows small disks.
 */
/** TEST-NET-2 addresses: documentation-only, and apart from the host's own test networks. */
export const ADDRESSES = {
  nodeName: 'node1.ganeti.example',
  nodeIp: '198.51.100.1',
  clusterName: 'cluster.ganeti.example',
  // Unused and silent, as Ganeti wants its master IP before it takes it.
  clusterIp: '198.51.100.100',
} as const;

const FILE_STORAGE = '/srv/ganeti/file-storage';

export async function initCluster(ns: GanetiNamespace): Promise<void> {
  await ns.must(
    [
      'gnt-cluster', 'init',
      '--no-etc-hosts',
      '--master-netdev=lo', '--master-netmask=32',
      '--enabled-hypervisors=fake',
      '--enabled-disk-templates=file,sharedfile,diskless',
      `--file-storage-dir=${FILE_STORAGE}`,
      '--shared-file-storage-dir=/srv/ganeti/shared-file-storage',
      '-N', 'mode=bridged,link=br0',
      // hail, the default allocator, places an instance added without -n (as the README's is), but its
      // global N+1 redundancy check fails on a one-node cluster: "-" passes the flag without a value.
      '--default-iallocator-params=-no-capacity-checks',
      '--ipolicy-bounds-specs',
      'min:cpu-count=1,disk-count=1,disk-size=4,memory-size=32,nic-count=0,spindle-use=1/max:cpu-count=8,disk-count=16,disk-size=1048576,memory-size=32768,nic-count=8,spindle-use=12',
      ADDRESSES.clusterName,
    ],
    { timeoutMs: 120_000 },
  );
}

/** The -O value for OS parameters: Ganeti splits on commas, so commas inside a value are escaped. */
export function osParameters(parameters: Record<string, string>): string {
  return Object.entries(parameters)
    .map(([name, value]) => `${name}=${value.replaceAll(',', '\\,')}`)
    .join(',');
}

export interface AddInstance {
  readonly name: string;
  readonly sizeMiB: number;
  readonly parameters: Record<string, string>;
  readonly privateParameters?: Record<string, string>;
  /** Skip the OS create script (the disk stays zeros). */
  readonly noInstall?: boolean;
}

export async function addInstance(ns: GanetiNamespace, instance: AddInstance): Promise<CommandResult> {
  return ns.run(
    [
      'gnt-instance', 'add',
      '-t', 'file',
      '-o', 'snf-image+default',
      '--no-start', '--no-ip-check', '--no-name-check', '--no-nics',
      '-n', ADDRESSES.nodeName,
      '-s', `${instance.sizeMiB}M`,
      ...(instance.noInstall ? ['--no-install'] : []),
      '-O', osParameters(instance.parameters),
      ...(instance.privateParameters ? ['--os-parameters-private', osParameters(instance.privateParameters)] : []),
      instance.name,
    ],
    { timeoutMs: 900_000 },
  );
}

/** The instance's first disk, a regular file with the file template. */
export async function diskPath(ns: GanetiNamespace, instance: string): Promise<string> {
  const { stdout } = await ns.sh(`ls ${FILE_STORAGE}/${instance}/*.disk0`);
  return stdout.trim();
}

export async function sha256Of(ns: GanetiNamespace, path: string): Promise<string> {
  const { stdout } = await ns.must(['sha256sum', path]);
  return stdout.split(' ')[0] ?? '';
}

export async function removeInstance(ns: GanetiNamespace, instance: string): Promise<void> {
  await ns.must(['gnt-instance', 'remove', '-f', instance]);
}
