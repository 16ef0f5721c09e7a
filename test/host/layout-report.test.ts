import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { layoutWarnings } from '../../src/host/layout-report.ts';

const helper = (subtype: string, extra: Record<string, unknown>) => ({ type: 'image-helper', subtype, ...extra });
const task = (name: string, ...warnings: string[]) => [
  helper('task-start', { task: name }),
  ...warnings.map((w) => helper('warning', { messages: [w] })),
  helper('task-end', { task: name }),
];

describe('layoutWarnings', () => {
  it('keeps the warnings of the layout tasks, which say what kept its size', () => {
    const reports = [
      helper('warning', { messages: ['Task FilesystemResizeMounted was excluded by EXCLUDE_MOUNTED_TASKS and will not run.'] }),
      { type: 'image-copy-progress', position: 1 },
      ...task('FixPartitionTable'),
      ...task('FilesystemResizeUnmounted', 'Partition 1 holds xfs, which grows only while mounted, and the mounted tasks are excluded: the filesystem keeps its size'),
      ...task('ChangePassword', 'No USERS property: changing the password of root'),
      ...task('FilesystemResizeAfterUmount', 'Not resizing NTFS offline: Windows grows it at first boot'),
    ];
    assert.deepEqual(layoutWarnings(reports), [
      'Partition 1 holds xfs, which grows only while mounted, and the mounted tasks are excluded: the filesystem keeps its size',
      'Not resizing NTFS offline: Windows grows it at first boot',
    ]);
  });

  it('finds nothing when the layout tasks had nothing to say', () => {
    assert.deepEqual(layoutWarnings([...task('FixPartitionTable'), ...task('FilesystemResizeUnmounted')]), []);
  });
});
