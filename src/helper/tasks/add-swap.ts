import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { SnfImageError } from '../../errors.ts';
import { writeCloudConfig } from '../linux/cloud-init.ts';
import { mountedTask } from '../linux/mounted-task.ts';
import { parseSwapSpec, type SwapSpec } from '../linux/swap-spec.ts';
import { envFlag, envText, guestRoot } from '../linux/task-env.ts';
import type { Task, TaskContext } from '../task.ts';
import { UNIX_FAMILIES } from '../../../machines/helper/task-declaration.ts';

const NAME = 'AddSwap';
const PRIORITY = 50;

/**
 * Formats the swap partition (or swap disk) the SWAP property asks for and
 * adds it to the guest's /etc/fstab by UUID (snf-image's 50AddSwap).
 */
export const addSwap: Task = mountedTask({
  name: NAME,
  priority: PRIORITY,
  families: ['linux'],
  askedFor: { families: UNIX_FAMILIES, whenSet: ['PROPERTY_SWAP'] },
  async run(ctx) {
    const value = envText(ctx.env, 'PROPERTY_SWAP');
    if (!value) {
      ctx.warn('No swap partition defined');
      return;
    }
    const spec = parseSwapSpec(value);
    const guest = guestRoot(ctx.env);
    // Under cloud-init a swap partition becomes a swap file the guest makes;
    // a whole swap disk is still set up here, as snf-image does.
    if (spec.kind === 'partition' && envFlag(ctx, 'PROPERTY_CLOUD_INIT')) {
      const maxsize = spec.sizeMiB * 1024 * 1024;
      const file = `/swap-${randomUUID().slice(0, 8)}.img`;
      await writeCloudConfig(guest, PRIORITY, NAME, `swap:\n  filename: ${file}\n  size: auto\n  maxsize: ${maxsize}\n`);
      return;
    }
    const device = swapDevice(ctx, spec);
    if (!(await fs.stat(device).catch(() => undefined))?.isBlockDevice()) {
      throw new SnfImageError(`swap device ${device} is not a block device: check the SWAP property (${value})`);
    }
    const fstab = await guest.readText('/etc/fstab');
    if (fstab === undefined) throw new SnfImageError('The guest has no /etc/fstab to add the swap space to');
    const uuid = randomUUID();
    await ctx.processes.run('mkswap', ['-U', uuid, device], { signal: ctx.signal });
    await guest.appendText('/etc/fstab', `UUID=${uuid}\tnone\tswap\tsw\t0\t0\n`);
  },
});

function swapDevice(ctx: TaskContext, spec: SwapSpec): string {
  if (spec.kind === 'disk') {
    const count = Number(envText(ctx.env, 'DEV_COUNT') ?? '1');
    if (spec.diskIndex < 1) throw new SnfImageError('Swap disk cannot be the first disk: the first disk holds the image');
    const device = envText(ctx.env, `DEV_${spec.diskIndex}`);
    if (spec.diskIndex >= count || !device) throw new SnfImageError(`Swap disk ${String.fromCharCode(97 + spec.diskIndex)} is not available: the instance has ${count} disk(s)`);
    return device;
  }
  // FixPartitionTable names the partition node it made.
  const made = envText(ctx.env, 'SWAP_PARTITION');
  if (made) return made;
  const dev = devOf(ctx);
  return ctx.partitions?.path(dev, spec.partition) ?? `${dev}${spec.partition}`;
}

function devOf(ctx: TaskContext): string {
  const dev = envText(ctx.env, 'DEV');
  if (!dev) throw new SnfImageError('DEV is not set: no disk to find the swap partition on');
  return dev;
}
