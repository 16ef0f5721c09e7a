import { realProcesses } from '../../../../src/effects/real/processes.ts';
import type { Secret } from '../../../../src/effects/secret.ts';
import type { TaskContext } from '../../../../src/helper/task.ts';

export interface TestContext {
  readonly ctx: TaskContext;
  readonly warnings: string[];
}

/** A task context on the real process adapter, collecting the task's warnings. */
export function taskContext(values: Readonly<Record<string, string | Secret>>): TestContext {
  const warnings: string[] = [];
  const ctx: TaskContext = {
    env: new Map(Object.entries(values)),
    processes: realProcesses,
    signal: new AbortController().signal,
    warn: (message) => warnings.push(message),
  };
  return { ctx, warnings };
}
