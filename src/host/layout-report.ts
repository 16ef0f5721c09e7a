import type { MonitorReport } from '../../machines/host/machine.ts';

/** The helper's tasks that grow the partition and its filesystem. */
const LAYOUT_TASKS: ReadonlySet<string> = new Set(['FixPartitionTable', 'FilesystemResizeUnmounted', 'FilesystemResizeMounted', 'FilesystemResizeAfterUmount']);

/**
 * The warnings the helper gave while growing the disk layout: what it left
 * at its size (a partition that is not the last, an xfs or btrfs that grows
 * only mounted, an NTFS left to Windows, a filesystem it does not know) or
 * grew with a caveat (a journal replayed, an NTFS marked for checking). A warning counts when it falls between a layout task's start and
 * end; the skip notices and detection warnings outside any task do not.
 */
export function layoutWarnings(reports: readonly MonitorReport[]): string[] {
  const warnings: string[] = [];
  let current: string | undefined;
  for (const report of reports) {
    if (report.type !== 'image-helper') continue;
    if (report.subtype === 'task-start') current = String(report.task);
    else if (report.subtype === 'task-end') current = undefined;
    else if (report.subtype === 'warning' && current !== undefined && LAYOUT_TASKS.has(current)) {
      warnings.push(...(report.messages as string[]));
    }
  }
  return warnings;
}
