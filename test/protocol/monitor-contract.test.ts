import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errorLine, stderrLines, taskEndLine, taskStartLine, warningLine } from '../../src/protocol/monitor-lines.ts';
import { MonitorChannelParser } from '../../src/protocol/monitor-parser.ts';

/** The helper's writer and the host's parser are two halves of one protocol: what one writes, the other reads. */
describe('monitor contract', () => {
  it('reads back every kind of line the helper writes, overlong and multi-line messages included', () => {
    const long = 'y'.repeat(5000);
    const lines = [
      taskStartLine('MountImage'),
      warningLine(`first\nsecond ${long}`),
      errorLine(long),
      ...stderrLines(Array.from({ length: 30 }, (_, i) => `stderr ${i} ${long}`)),
      taskEndLine('MountImage'),
    ];
    const messages = new MonitorChannelParser().push(lines.map((line) => `${line}\n`).join(''));
    assert.deepEqual(
      messages.map((m) => m.subtype),
      ['task-start', 'warning', 'error', 'error', 'task-end'],
    );
    assert.match((messages[1] as unknown as { messages: [string] }).messages[0], /^ first second y+\.\.\.$/);
  });
});
