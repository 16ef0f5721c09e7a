import { SnfImageError } from '../../errors.ts';
import { envText } from '../linux/task-env.ts';
import type { Mounts, PartitionNodes, TaskContext } from '../task.ts';

/** What a disk-layout task reads first: the disk and the partition snf-image calls RESIZE_PART. */
export function diskAndResizePartition(ctx: TaskContext): { disk: string; partition: number } {
  return { disk: required(ctx, 'DEV'), partition: Number(required(ctx, 'RESIZE_PART')) };
}

export function required(ctx: TaskContext, name: string): string {
  const value = envText(ctx.env, name);
  if (!value) throw new SnfImageError(`${name} is not set`);
  return value;
}

export function partitionsOf(ctx: TaskContext): PartitionNodes {
  if (!ctx.partitions) throw new Error('this task needs the partition nodes of the helper (TaskContext.partitions)');
  return ctx.partitions;
}

export function mountsOf(ctx: TaskContext): Mounts {
  if (!ctx.mounts) throw new Error('this task needs the mount table of the helper (TaskContext.mounts)');
  return ctx.mounts;
}
