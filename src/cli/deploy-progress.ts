import { Writable } from 'node:stream';

/** What a deployment did, as its monitor messages told it: the summary `snf-image deploy` prints. */
export interface DeploySummary {
  copiedBytes: number;
  readonly tasks: string[];
  readonly warnings: string[];
  readonly errors: string[];
}

/**
 * Reads create's monitor messages (`[MONITOR] {json}` lines, as Ganeti's log
 * gets them) into a summary, and on a terminal draws the copy's progress bar
 * and each helper task as it ends.
 */
export function deployProgress(terminal: NodeJS.WriteStream | undefined): { sink: Writable; summary: DeploySummary } {
  const summary: DeploySummary = { copiedBytes: 0, tasks: [], warnings: [], errors: [] };
  let barShown = false;
  const line = (text: string) => {
    if (!terminal) return;
    if (barShown) terminal.write('\n');
    barShown = false;
    terminal.write(`${text}\n`);
  };
  let pending = '';
  const sink = new Writable({
    write(chunk, _encoding, done) {
      pending += String(chunk);
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const text of lines) {
        if (!text.startsWith('[MONITOR] ')) continue;
        const message = JSON.parse(text.slice(10)) as { type: string; subtype?: string; task?: string; position?: number; total?: number; messages?: string[] };
        if (message.type === 'image-copy-progress') {
          summary.copiedBytes = message.position ?? summary.copiedBytes;
          if (terminal && message.total) {
            const fraction = Math.min(1, (message.position ?? 0) / message.total);
            const width = 30;
            const filled = Math.round(fraction * width);
            terminal.write(`\rcopying  [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${String(Math.round(fraction * 100)).padStart(3)}%`);
            barShown = true;
          }
        } else if (message.type === 'image-helper' && message.subtype === 'task-end' && message.task) {
          summary.tasks.push(message.task);
          line(`done     ${message.task}`);
        } else if (message.type === 'image-helper' && message.subtype === 'warning') {
          summary.warnings.push((message.messages ?? []).join(' ').trim());
        } else if (message.type === 'image-error' || (message.type === 'image-helper' && message.subtype === 'error')) {
          summary.errors.push((message.messages ?? []).join(' ').trim());
        }
      }
      done();
    },
    final(done) {
      if (terminal && barShown) terminal.write('\n');
      done();
    },
  });
  return { sink, summary };
}
