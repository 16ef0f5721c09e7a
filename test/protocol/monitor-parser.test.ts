import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MONITOR_LIMITS } from '../../src/protocol/monitor-limits.ts';
import { MonitorChannelParser, MonitorProtocolError } from '../../src/protocol/monitor-parser.ts';

function parse(text: string) {
  const parser = new MonitorChannelParser();
  return [...parser.push(text), ...parser.end()];
}

function violation(reason: string) {
  return (error: unknown) => {
    assert.ok(error instanceof MonitorProtocolError);
    assert.equal(error.message, `the helper broke the monitor protocol: ${reason}`);
    return true;
  };
}

describe('monitor channel parser', () => {
  it('turns task, warning and error lines into image-helper messages', () => {
    assert.deepEqual(parse('TASK_START:MountImage\nWARNING: low space\nERROR: no root\nTASK_END:MountImage\n'), [
      { type: 'image-helper', subtype: 'task-start', task: 'MountImage' },
      { type: 'image-helper', subtype: 'warning', messages: [' low space'] },
      { type: 'image-helper', subtype: 'error', messages: [' no root'] },
      { type: 'image-helper', subtype: 'task-end', task: 'MountImage' },
    ]);
  });

  it('ignores blank lines and the \\r a serial line adds', () => {
    assert.deepEqual(parse('\r\n   \nTASK_END:A\r\n'), [{ type: 'image-helper', subtype: 'task-end', task: 'A' }]);
  });

  it('takes a STDERR excerpt with its continuation lines as they are', () => {
    assert.deepEqual(parse('STDERR:3:first\n  indented\nTASK_START:NotACommand\nTASK_END:X\n'), [
      { type: 'image-helper', subtype: 'error', stderr: 'first\n  indented\nTASK_START:NotACommand\n' },
      { type: 'image-helper', subtype: 'task-end', task: 'X' },
    ]);
  });

  it('sends an empty excerpt for STDERR:0', () => {
    assert.deepEqual(parse('STDERR:0:\n'), [{ type: 'image-helper', subtype: 'error', stderr: '' }]);
  });

  it('decodes JSON-framed texts, so a message may span lines', () => {
    assert.deepEqual(parse('ERROR:"two\\nlines \\"quoted\\""\nWARNING: "spaced"\nWARNING:"unterminated\n'), [
      { type: 'image-helper', subtype: 'error', messages: ['two\nlines "quoted"'] },
      { type: 'image-helper', subtype: 'warning', messages: [' "spaced"'] },
      { type: 'image-helper', subtype: 'warning', messages: ['"unterminated'] },
    ]);
  });

  it('parses the same whatever the chunks', () => {
    const text = 'TASK_START:A\nSTDERR:2:x\ny\nWARNING:"w"\n';
    const parser = new MonitorChannelParser();
    const messages = [...text].flatMap((char) => parser.push(char));
    assert.deepEqual(messages, parse(text));
  });

  it('counts a last line without newline when the channel closes, and sends a cut excerpt', () => {
    assert.deepEqual(parse('TASK_START:A'), [{ type: 'image-helper', subtype: 'task-start', task: 'A' }]);
    assert.deepEqual(parse('STDERR:5:only\nthis\n'), [{ type: 'image-helper', subtype: 'error', stderr: 'only\nthis\n' }]);
  });

  describe('limits', () => {
    it(`accepts a line of ${MONITOR_LIMITS.lineChars} characters with its newline, and no longer`, () => {
      const fits = `WARNING:${'x'.repeat(MONITOR_LIMITS.lineChars - 'WARNING:'.length - 1)}\n`;
      assert.equal(fits.length, 512);
      assert.equal(parse(fits).length, 1);
      assert.throws(() => parse(`x${fits}`), violation('line 1 is longer than 512 characters'));
    });

    it('rejects a long line before its newline arrives', () => {
      const parser = new MonitorChannelParser();
      assert.deepEqual(parser.push('TASK_END:A\n'), [{ type: 'image-helper', subtype: 'task-end', task: 'A' }]);
      assert.throws(() => parser.push('y'.repeat(512)), violation('line 2 is longer than 512 characters'));
    });

    it('accepts 100 lines in a run, blank ones included, and not 101', () => {
      assert.equal(parse('\n'.repeat(99) + 'TASK_END:A\n').length, 1);
      assert.throws(() => parse('\n'.repeat(100) + 'TASK_END:A\n'), violation('more than 100 lines in one run'));
    });

    it('counts STDERR continuation lines too', () => {
      assert.throws(() => parse('\n'.repeat(91) + 'STDERR:10:a\n' + 'b\n'.repeat(9)), violation('more than 100 lines in one run'));
    });

    it('accepts 10 STDERR lines, and not 11', () => {
      assert.deepEqual(parse('STDERR:10:0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n'), [{ type: 'image-helper', subtype: 'error', stderr: '0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n' }]);
      assert.throws(() => parse('STDERR:11:0\n'), violation('line 1 announces 11 STDERR lines, more than 10'));
    });

    for (const line of ['STDERR:x:text', 'STDERR:-1:text', 'STDERR:3', 'STDERR:']) {
      it(`rejects the malformed ${JSON.stringify(line)}`, () => {
        assert.throws(() => parse(`${line}\n`), violation('line 1 is not STDERR:<lines>:<text>'));
      });
    }

    it('rejects an unknown command, and a line with none', () => {
      assert.throws(() => parse('TASK_START:A\nHELLO:world\n'), violation('line 2 has an unknown command: "HELLO:world"'));
      assert.throws(() => parse('just text\n'), violation('line 1 has an unknown command: "just text"'));
    });

    it('stays failed after a violation', () => {
      const parser = new MonitorChannelParser();
      assert.throws(() => parser.push('BAD\n'), MonitorProtocolError);
      assert.throws(() => parser.push('TASK_START:A\n'), violation('line 1 has an unknown command: "BAD"'));
    });
  });
});
