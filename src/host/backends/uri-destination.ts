import { readFile } from 'node:fs/promises';
import { SnfImageError } from '../../errors.ts';
import type { Processes } from '../../effects/processes.ts';
import type { DestinationBackend, Resource } from './destination-backend.ts';

/** snf-image's probe: the URI forms qemu's block layer opens. */
const QEMU_URI = /^(iscsi|nbd|ssh|sheepdog(\+tcp|\+unix)?|gluster(\+tcp|\+unix|\+rdma)?|http|https|ftp|ftps|tftp|rbd):/;

export class NbdUnavailable extends SnfImageError {
  override readonly name = 'NbdUnavailable';
  constructor(readonly disk: string, reason: string) {
    super(`disk ${disk} is a URI, which is written through an nbd device, but ${reason}`);
  }
}

export const NBD_RESOURCE_KIND = 'nbd';

/** How many /dev/nbdN the loaded module made. */
async function nbdDeviceCount(): Promise<number> {
  return Number((await readFile('/sys/module/nbd/parameters/nbds_max', 'utf8')).trim());
}

/**
 * A disk Ganeti gives as a URI (userspace access to rbd, iscsi, gluster,
 * ...). It is attached to the first free /dev/nbdN with qemu-nbd, which
 * needs the nbd kernel module; the device is a resource to release.
 */
export function createUriDestination(countNbdDevices: () => Promise<number> = nbdDeviceCount): DestinationBackend {
  return {
    name: 'uri',
    defaultPriority: 20,
    accepts: async (disk) => QEMU_URI.test(disk),
    async attach(disk, { processes }, signal) {
      const modprobe = await processes.run('modprobe', ['nbd'], { allowFailure: true, signal });
      if (modprobe.exitCode !== 0) throw new NbdUnavailable(disk, `modprobe nbd failed: ${modprobe.stderr.trim()}`);
      const devices = await countNbdDevices();
      let lastError = '';
      for (let n = 0; n < devices; n++) {
        const device = `/dev/nbd${n}`;
        const attached = await processes.run('qemu-nbd', ['-f', 'raw', '-c', device, disk], { allowFailure: true, signal });
        if (attached.exitCode === 0) return { target: device, resources: [{ kind: NBD_RESOURCE_KIND, id: device }] };
        lastError = attached.stderr.trim();
      }
      throw new NbdUnavailable(disk, `qemu-nbd attached it to none of /dev/nbd0-${devices - 1}: ${lastError}`);
    },
  };
}


export async function detachNbd(resource: Resource, processes: Processes): Promise<void> {
  await processes.run('qemu-nbd', ['-d', resource.id]);
}
