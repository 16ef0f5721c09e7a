import { readFile } from 'node:fs/promises';
import { SnfImageError } from '../../errors.ts';
import { envText } from '../linux/task-env.ts';
import type { TaskContext } from '../task.ts';

/**
 * The answer file the host put on the config device (UNATTEND for
 * unattend.xml, SYSPREPINF for sysprep.inf): the operator's os_answer_file,
 * or the default one.
 */
export async function configDeviceAnswerFile(ctx: TaskContext, name: 'UNATTEND' | 'SYSPREPINF'): Promise<string> {
  const path = envText(ctx.env, name);
  if (!path) throw new SnfImageError(`${name} is not set: the helper does not know where the config device's answer file is`);
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new SnfImageError(`cannot read the answer file ${path} from the config device (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}
