/**
 * What the helper reported about its tasks, read from the shapes a trace may
 * carry it in: a raw monitor line (`TASK_START:MountImage`), snf-image's
 * `image-helper` JSON message (`subtype: 'task-start'`), or an event of ours
 * naming the task (`helper.taskStarted`).
 */
export type MonitorReport =
  | { readonly kind: 'start'; readonly task: string }
  | { readonly kind: 'end'; readonly task: string }
  | { readonly kind: 'warning'; readonly message: string }
  | { readonly kind: 'error'; readonly message: string };

export function monitorReport(value: unknown): MonitorReport | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.line === 'string') return fromLine(v.line);
  for (const nested of [v.message, v.monitor, v.report]) {
    const report = monitorReport(nested);
    if (report) return report;
  }
  if (typeof v.subtype === 'string') return fromSubtype(v.subtype, v);
  if (typeof v.type === 'string') return fromEventType(v.type, v);
  return undefined;
}

function fromLine(line: string): MonitorReport | undefined {
  const match = /^(TASK_START|TASK_END|WARNING|ERROR|STDERR):(.*)$/s.exec(line);
  if (!match) return undefined;
  const [, tag, rest = ''] = match;
  if (tag === 'TASK_START') return { kind: 'start', task: rest.trim() };
  if (tag === 'TASK_END') return { kind: 'end', task: rest.trim() };
  if (tag === 'WARNING') return { kind: 'warning', message: rest.trim() };
  // STDERR:<n>:<first line> carries the failing task's stderr.
  return { kind: 'error', message: tag === 'STDERR' ? rest.replace(/^\d+:/, '').trim() : rest.trim() };
}

function fromSubtype(subtype: string, v: Record<string, unknown>): MonitorReport | undefined {
  if (subtype === 'task-start' && typeof v.task === 'string') return { kind: 'start', task: v.task };
  if ((subtype === 'task-end' || subtype === 'task-stop') && typeof v.task === 'string') return { kind: 'end', task: v.task };
  if (subtype === 'warning' || subtype === 'error') return { kind: subtype, message: messageOf(v) };
  return undefined;
}

function fromEventType(type: string, v: Record<string, unknown>): MonitorReport | undefined {
  if (!/helper|task/i.test(type)) return undefined;
  if (typeof v.task === 'string') {
    if (/task\.?(start|began|begin)/i.test(type)) return { kind: 'start', task: v.task };
    if (/task\.?(end|finish|stop|done)/i.test(type)) return { kind: 'end', task: v.task };
  }
  if (/warn/i.test(type)) return { kind: 'warning', message: messageOf(v) };
  if (/error|fail/i.test(type)) return { kind: 'error', message: messageOf(v) };
  return undefined;
}

function messageOf(v: Record<string, unknown>): string {
  if (Array.isArray(v.messages)) return v.messages.map(String).join('\n').trim();
  if (typeof v.stderr === 'string') return v.stderr.trim();
  if (typeof v.message === 'string') return v.message.trim();
  return '';
}
