import { SnfImageError } from '../../errors.ts';
import { envText } from '../linux/task-env.ts';
import type { TaskContext } from '../task.ts';

export const BSD_FAMILIES = ['freebsd', 'openbsd', 'netbsd'] as const;
export type BsdFamily = (typeof BSD_FAMILIES)[number];

export function isBsdFamily(ctx: TaskContext): boolean {
  return (BSD_FAMILIES as readonly string[]).includes(envText(ctx.env, 'PROPERTY_OSFAMILY') ?? '');
}

/** freebsd, openbsd or netbsd, from OSFAMILY. */
export function bsdFamily(ctx: TaskContext): BsdFamily {
  const family = envText(ctx.env, 'PROPERTY_OSFAMILY') ?? '';
  if ((BSD_FAMILIES as readonly string[]).includes(family)) return family as BsdFamily;
  throw new SnfImageError(`OSFAMILY is ${JSON.stringify(family)}: this task's BSD part runs only for freebsd, openbsd and netbsd`);
}
