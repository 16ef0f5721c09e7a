import { isSecret } from '../../effects/secret.ts';
import { SnfImageError } from '../../errors.ts';
import { GuestRoot } from './guest-path.ts';
import { checkYesNo } from '../../../machines/helper/yes-no.ts';
import type { TaskContext } from '../task.ts';
import type { TaskEnv } from '../../../machines/helper/task-declaration.ts';

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

/** A boolean value by snf-image's check_yes_no rules, warning as it did. */
export function envFlag(ctx: TaskContext, name: string): boolean {
  return checkYesNo(name, envText(ctx.env, name), (message) => ctx.warn(message));
}

/** The mounted guest (TARGET, set by MountImage). */
export function guestRoot(env: TaskEnv): GuestRoot {
  const target = envText(env, 'TARGET');
  if (!target) throw new SnfImageError('TARGET is not set: the guest filesystem is not mounted');
  return new GuestRoot(target);
}
