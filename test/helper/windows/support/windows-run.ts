import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { after } from 'node:test';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { realClock } from '../../../../src/effects/clock.ts';
import { realProcesses } from '../../../../src/effects/real/processes.ts';
import type { Secret } from '../../../../src/effects/secret.ts';
import { realPartitionNodes } from '../../../../src/helper/partition-nodes.ts';
import { realMounts } from '../../../../src/helper/real-mounts.ts';
import type { TaskContext } from '../../../../src/helper/task.ts';
import { findTask } from '../../../../src/helper/tasks/index.ts';
import type { WindowsDisk } from './windows-image.ts';

export type Values = Record<string, string | Secret>;

const configDirs: string[] = [];
after(() => Promise.all(configDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true }))));

/**
 * Answer files as the host puts them on the config device: a directory with
 * unattend.xml and sysprep.inf, removed when the test file is done.
 */
export async function configDevice(files: { unattend?: string; sysprepInf?: string }): Promise<Values> {
  const dir = await mkdtemp(join(tmpdir(), 'snf-image-config-test-'));
  configDirs.push(dir);
  if (files.unattend !== undefined) await writeFile(join(dir, 'unattend.xml'), files.unattend);
  if (files.sysprepInf !== undefined) await writeFile(join(dir, 'sysprep.inf'), files.sysprepInf);
  return { UNATTEND: join(dir, 'unattend.xml'), SYSPREPINF: join(dir, 'sysprep.inf') };
}

/**
 * Runs tasks of the real table in order on a Windows disk, as the helper
 * does: each gets the values before it plus what the earlier ones handed on
 * (TARGET from MountImage). Warnings are collected per run.
 */
export class WindowsRun {
  readonly warnings: string[] = [];
  readonly values: Values;

  /** On a disk, from MountImage on; on a directory tree (no disk), TARGET is the tree. */
  constructor(disk: WindowsDisk | undefined, values: Values) {
    const where: Values = disk ? { DEV: disk.disk, DEV_COUNT: '1', RESIZE_PART: '1', PROPERTY_ROOT_PARTITION: '1' } : {};
    this.values = { ...where, ...values };
  }

  context(): TaskContext {
    const signal = new AbortController().signal;
    return {
      env: new Map(Object.entries(this.values)),
      processes: realProcesses,
      signal,
      warn: (message) => this.warnings.push(message),
      mounts: realMounts({ processes: realProcesses, clock: realClock, emit: () => undefined, signal }),
      partitions: realPartitionNodes(realProcesses),
    };
  }

  async task(name: string): Promise<void> {
    const task = findTask(name);
    if (!task) throw new Error(`no task ${name}`);
    const output = await task.run(this.context());
    Object.assign(this.values, output ?? {});
  }

  async tasks(names: readonly string[]): Promise<void> {
    for (const name of names) await this.task(name);
  }

  get target(): string {
    const target = this.values.TARGET;
    if (typeof target !== 'string') throw new Error('the guest is not mounted');
    return target;
  }
}
