import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSecret } from '../../effects/secret.ts';
import { SnfImageError } from '../../errors.ts';
import { mountedTask } from '../linux/mounted-task.ts';
import { envText, guestRoot } from '../linux/task-env.ts';
import type { Task } from '../task.ts';
import type { TaskEnv } from '../../../machines/helper/task-declaration.ts';
import { OS_FAMILIES, UNIX_FAMILIES } from '../../../machines/helper/task-declaration.ts';

/**
 * Runs the image's CUSTOM_TASK program (base64) in the helper, not in the
 * guest, with the guest mounted at TARGET and the task values in its
 * environment as SNF_IMAGE_* (snf-image's 70RunCustomTask). A failure fails
 * the deployment.
 */
export const runCustomTask: Task = mountedTask({
  name: 'RunCustomTask',
  priority: 70,
  // The program runs in the helper, so a Windows guest's volume is as open to it as a Linux one.
  families: OS_FAMILIES,
  askedFor: { families: OS_FAMILIES, whenSet: ['PROPERTY_CUSTOM_TASK'] },
  async run(ctx) {
    const encoded = envText(ctx.env, 'PROPERTY_CUSTOM_TASK')?.trim();
    if (!encoded) {
      ctx.warn('No custom task specified to run');
      return;
    }
    if (!/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(encoded)) throw new SnfImageError('CUSTOM_TASK is not base64: encode the program with base64');
    guestRoot(ctx.env); // fails clearly when the guest is not mounted: the program works on it
    const dir = await fs.mkdtemp(join(tmpdir(), 'snf-image-custom-task-'));
    try {
      const program = join(dir, 'custom-task');
      await fs.writeFile(program, Buffer.from(encoded, 'base64'), { mode: 0o700 });
      const result = await ctx.processes.run(program, [], { env: taskEnvironment(ctx.env), signal: ctx.signal, allowFailure: true });
      if (result.exitCode !== 0) {
        const tail = result.stderr.trim().split('\n').slice(-10).join('\n');
        throw new SnfImageError(`The custom task (CUSTOM_TASK) failed with exit code ${result.exitCode}${tail ? `: ${tail}` : ''}`);
      }
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  },
});

/**
 * The task values as SNF_IMAGE_* variables. Secrets (passwords, keys, user
 * data) are left out: an environment can end up in a trace or a process
 * listing, and a custom task has the guest's files for what it needs.
 */
function taskEnvironment(env: TaskEnv): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const [name, value] of env) if (!isSecret(value)) vars[`SNF_IMAGE_${name}`] = value;
  return vars;
}
