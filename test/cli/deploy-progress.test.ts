import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { describe, it } from 'node:test';
import { deployProgress } from '../../src/cli/deploy-progress.ts';

const monitor = (message: object) => `[MONITOR] ${JSON.stringify(message)}\n`;

describe('deploy progress', () => {
  it('draws the copy as a bar on a terminal, then each task as it ends, and sums the run up', async () => {
    let drawn = '';
    const terminal = new Writable({ write: (chunk, _e, done) => void ((drawn += String(chunk)), done()) }) as unknown as NodeJS.WriteStream;
    const { sink, summary } = deployProgress(terminal);
    sink.write(monitor({ type: 'image-copy-progress', position: 50, total: 100, progress: 50 }));
    // A message split across writes is read whole.
    const end = monitor({ type: 'image-copy-progress', position: 100, total: 100, progress: 100 });
    sink.write(end.slice(0, 20));
    sink.write(end.slice(20));
    sink.write(monitor({ type: 'image-helper', subtype: 'task-end', task: 'FixPartitionTable' }));
    sink.write(monitor({ type: 'image-helper', subtype: 'warning', messages: ['No swap partition defined'] }));
    sink.end();
    await finished(sink);
    assert.equal(drawn, `\rcopying  [${'#'.repeat(15)}${' '.repeat(15)}]  50%\rcopying  [${'#'.repeat(30)}] 100%\ndone     FixPartitionTable\n`);
    assert.deepEqual(summary, { copiedBytes: 100, tasks: ['FixPartitionTable'], warnings: ['No swap partition defined'], errors: [] });
  });

  it('draws nothing without a terminal', async () => {
    const { sink, summary } = deployProgress(undefined);
    sink.end(monitor({ type: 'image-copy-progress', position: 7, total: 10, progress: 70 }));
    await finished(sink);
    assert.equal(summary.copiedBytes, 7);
  });
});
