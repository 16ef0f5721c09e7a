import { isSecret } from '../../effects/secret.ts';
import { SnfImageError } from '../../errors.ts';
import { GuestRoot } from './guest-path.ts';
import type { TaskContext, TaskEnv } from '../task.ts';

/** A plain value of the task environment; a secret is never turned into a string here. */
export function envText(env: TaskEnv, name: string): string | undefined {
  const value = env.get(name);
  return value === undefined || isSecret(value) ? undefined : value;
}

/** A value that may arrive wrapped as a secret (PASSWD, PASSWD_HASH, AUTH_KEYS, ...): revealed by the caller at the last moment. */
export function envSecretText(env: TaskEnv, name: string): { reveal(): string } | undefined {
  const value = env.get(name);
  if (value === undefined) return undefined;
  return isSecret(value) ? value : { reveal: () => value };
}

/**
 * snf-image's check_yes_no: unset or empty is false (empty with a warning),
 * yes/true/on/1/set true, no/false/off/0/unset false, anything else true
 * with a warning.
 */
export function envFlag(ctx: TaskContext, name: string): boolean {
  const value = envText(ctx.env, name);
  if (value === undefined) return false;
  const word = value.trim().toLowerCase();
  if (word === '') {
    ctx.warn(`Variable ${name} is defined but empty; treating it as NO`);
    return false;
  }
  if (['yes', 'true', 'on', '1', 'set'].includes(word)) return true;
  if (['no', 'false', 'off', '0', 'unset'].includes(word)) return false;
  ctx.warn(`Invalid value "${value}" for ${name}; treating it as YES`);
  return true;
}

/** The mounted guest (TARGET, set by MountImage). */
export function guestRoot(env: TaskEnv): GuestRoot {
  const target = envText(env, 'TARGET');
  if (!target) throw new SnfImageError('TARGET is not set: the guest filesystem is not mounted');
  return new GuestRoot(target);
}
