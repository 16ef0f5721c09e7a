import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MONITOR_LIMITS } from '../../src/protocol/monitor-limits.ts';
import { errorLine, stderrLines, warningLine, WARNING_LINES_UNTIL, withinBudget } from '../../src/protocol/monitor-lines.ts';

describe('monitor lines', () => {
  it('flattens a multi-line message to one line, which the host monitor needs', () => {
    assert.equal(warningLine('first\n  second\r\nthird'), 'WARNING: first second third');
  });

  it('cuts a line to the monitor limit of 512 characters', () => {
    const line = errorLine('x'.repeat(2000));
    assert.equal(line.length, MONITOR_LIMITS.lineChars - 1);
    assert.ok(line.endsWith('...'));
  });

  it('sends at most the last 10 non-blank stderr lines, counted in the STDERR header', () => {
    const lines = stderrLines(['', ...Array.from({ length: 15 }, (_, i) => `line ${i}`), '  ']);
    assert.equal(lines.length, 10);
    assert.equal(lines[0], 'STDERR:10:line 5');
    assert.equal(lines[9], 'line 14');
    assert.deepEqual(stderrLines([]), []);
  });

  it('drops warnings, never task lines, once the stream nears the 100-line limit', () => {
    const batch = ['WARNING: a', 'TASK_END:X', 'WARNING: b'];
    assert.deepEqual(withinBudget(batch, 0), batch);
    assert.deepEqual(withinBudget(batch, WARNING_LINES_UNTIL - 1), ['WARNING: a', 'TASK_END:X']);
    assert.deepEqual(withinBudget(batch, WARNING_LINES_UNTIL), ['TASK_END:X']);
  });
});
