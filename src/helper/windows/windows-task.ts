import { SnfImageError } from '../../errors.ts';
import { envText, guestRoot } from '../linux/task-env.ts';
import type { TaskContext } from '../task.ts';
import { WindowsGuest } from './windows-guest.ts';

export type WindowsFamily = 'windows' | 'windows-legacy';

/** windows (Vista and later, unattend.xml) or windows-legacy (XP and 2003, sysprep.inf), from OSFAMILY. */
export function windowsFamily(ctx: TaskContext): WindowsFamily {
  const family = envText(ctx.env, 'PROPERTY_OSFAMILY');
  if (family === 'windows' || family === 'windows-legacy') return family;
  throw new SnfImageError(`OSFAMILY is ${JSON.stringify(family ?? '')}: this task's Windows part runs only for windows and windows-legacy`);
}

export function isWindowsFamily(ctx: TaskContext): boolean {
  const family = envText(ctx.env, 'PROPERTY_OSFAMILY');
  return family === 'windows' || family === 'windows-legacy';
}

/** The mounted Windows volume (TARGET). */
export function windowsGuest(ctx: TaskContext): WindowsGuest {
  return new WindowsGuest(guestRoot(ctx.env), ctx.processes);
}
