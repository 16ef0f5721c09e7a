import { SnfImageError } from '../errors.ts';
import type { Processes } from '../effects/processes.ts';
import { readPartitionTable } from './partition-table.ts';
import type { PartitionNodes } from './task.ts';

/** A partition of the instance disks with the identifiers blkid gives it. */
interface KnownPartition {
  readonly node: string;
  readonly ids: Readonly<Record<string, string>>;
}

const TAGS = { UUID: 'UUID', LABEL: 'LABEL', PARTUUID: 'PARTUUID', PARTLABEL: 'PARTLABEL' } as const;
const BY_DIRS: Record<string, keyof typeof TAGS> = { 'by-uuid': 'UUID', 'by-label': 'LABEL', 'by-partuuid': 'PARTUUID', 'by-partlabel': 'PARTLABEL' };
/** Guest names of the first disk's partitions (sda2, vda2, xvda2, hda2): the helper sees that disk as DEV. */
const FIRST_DISK_PARTITION = /^\/dev\/(?:sd|vd|xvd|hd)a(\d+)$/;

/**
 * Resolves the device field of a guest fstab entry to a partition of the
 * instance disks, and only of those: a UUID that happens to exist elsewhere
 * (the helper's own disks, the host's in a test) is never mounted.
 */
export class FstabDevices {
  private constructor(
    private readonly partitions: readonly KnownPartition[],
    private readonly firstDisk: string,
    private readonly nodes: PartitionNodes,
  ) {}

  static async scan(processes: Processes, nodes: PartitionNodes, disks: readonly string[]): Promise<FstabDevices> {
    const known: KnownPartition[] = [];
    for (const disk of disks) {
      const table = await readPartitionTable(processes, disk).catch(() => undefined);
      for (const partition of table?.partitions ?? []) {
        const node = nodes.path(disk, partition.number);
        const { stdout } = await processes.run('blkid', ['-o', 'export', node], { allowFailure: true });
        const ids = Object.fromEntries(stdout.split('\n').flatMap((line) => (/^[A-Z_]+=/.test(line) ? [[line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]] : [])));
        known.push({ node, ids });
      }
    }
    return new FstabDevices(known, disks[0]!, nodes);
  }

  /**
   * The partition node for an fstab device; `warn` hears about guesses from
   * plain device names. A `nofail` entry (the guest boots without it) whose
   * device is on none of the instance disks is skipped with a warning.
   */
  resolve(device: string, mountpoint: string, warn: (message: string) => void, nofail = false): string | undefined {
    const tagged = /^(UUID|LABEL|PARTUUID|PARTLABEL)=(.*)$/.exec(device);
    const byDir = /^\/dev\/disk\/(by-[a-z]+)\/(.+)$/.exec(device);
    const tag = tagged ? (tagged[1] as keyof typeof TAGS) : byDir ? BY_DIRS[byDir[1]!] : undefined;
    if (tag) {
      const value = (tagged ? tagged[2]! : byDir![2]!).replace(/^"(.*)"$/, '$1');
      const match = this.partitions.find((p) => p.ids[tag] !== undefined && (tag === 'UUID' || tag === 'PARTUUID' ? p.ids[tag]!.toLowerCase() === value.toLowerCase() : p.ids[tag] === value));
      if (!match) {
        if (!nofail) throw new SnfImageError(`/etc/fstab mounts ${mountpoint} from ${device}, which is on none of the instance disks`);
        warn(`Not mounting ${mountpoint} from /etc/fstab: ${device} is on none of the instance disks, and the entry says nofail`);
        return undefined;
      }
      return match.node;
    }
    const plain = FIRST_DISK_PARTITION.exec(device);
    if (plain) {
      const node = this.nodes.path(this.firstDisk, Number(plain[1]));
      warn(`/etc/fstab names ${device} for ${mountpoint}, not a UUID or label; using partition ${plain[1]} of the first disk`);
      return node;
    }
    if (!device.startsWith('/dev/')) throw new SnfImageError(`/etc/fstab mounts ${mountpoint} from ${device}, which is not a device of the instance disks`);
    throw new SnfImageError(`/etc/fstab contains non-persistent block device name ${device} (for ${mountpoint}): use UUID= or LABEL=`);
  }
}
