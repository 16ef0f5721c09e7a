import { constants } from 'node:fs';
import { access, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Processes } from '../effects/processes.ts';
import { isSecret } from '../effects/secret.ts';
import type { TaskEnv } from '../../machines/helper/task-declaration.ts';

/** The exit code with which an override's pre-exec asks for the original task to run. */
export const RUN_ORIGINAL_TASK = 101;
const OVERRIDES_DIR = 'root/snf-image/helper';

export type OverrideOutcome = 'none' | 'replaced' | 'wrapped';

/**
 * Runs an image's own replacement for a task, as snf-image's
 * check_if_overwritten did: one executable named overwrite_task_<Task> (any
 * case) under /root/snf-image/helper in the guest runs in the helper, with the
 * task environment as SNF_IMAGE_* variables and the argument pre-exec. Exit
 * 101 means "run the original task too" (then the script runs again with
 * post-exec); exit 0 means it replaced the task; anything else fails it.
 */
export async function runOverride(
  processes: Processes,
  task: string,
  env: TaskEnv,
  warn: (message: string) => void,
  runOriginal: () => Promise<void>,
): Promise<OverrideOutcome> {
  const target = env.get('TARGET');
  if (typeof target !== 'string' || target === '') return 'none';
  const candidates = await findOverrides(join(target, OVERRIDES_DIR), `overwrite_task_${task}`.toLowerCase());
  if (candidates.length === 0) return 'none';
  if (candidates.length > 1) {
    warn(`Found ${candidates.length} scripts overriding task ${task}; running the task itself`);
    return 'none';
  }
  const script = candidates[0]!;
  warn(`Task ${task} is overridden by the image's ${script.slice(target.length)}`);
  const scriptEnv = Object.fromEntries([...env].map(([key, value]) => [`SNF_IMAGE_${key}`, isSecret(value) ? value.reveal() : value]));
  const pre = await processes.run(script, ['pre-exec'], { env: scriptEnv, allowFailure: true });
  if (pre.exitCode === 0) return 'replaced';
  if (pre.exitCode !== RUN_ORIGINAL_TASK) throw new Error(`the image's script overriding task ${task} exited with code ${pre.exitCode}`);
  await runOriginal();
  const post = await processes.run(script, ['post-exec'], { env: scriptEnv, allowFailure: true });
  if (post.exitCode !== 0) throw new Error(`the image's script overriding task ${task} exited with code ${post.exitCode} after the task (post-exec)`);
  return 'wrapped';
}

async function findOverrides(dir: string, name: string, depth = 0): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const found: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && depth < 4) found.push(...(await findOverrides(path, name, depth + 1)));
    else if (entry.isFile() && entry.name.toLowerCase() === name && (await isExecutable(path))) found.push(path);
  }
  return found;
}

async function isExecutable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}
