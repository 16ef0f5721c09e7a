import type { TraceEvent } from '../../src/effects/trace.ts';
import { monitorReport } from './helper-monitor.ts';
import type { HelperTask } from './run.ts';

interface OpenTask {
  name: string;
  callId: number | null;
  startSeq: number;
  startAt: number;
  endSeq: number | null;
  endAt: number | null;
  status: HelperTask['status'];
  messages: string[];
}

/**
 * The helper's tasks in the order they started. A host trace carries them as
 * monitor events of the effect that runs the helper VM (or as `image-helper`
 * log lines); a helper trace as calls of an effect whose input names a task.
 */
export function helperTasks(events: readonly TraceEvent[]): HelperTask[] {
  const tasks: OpenTask[] = [];
  const running = () => lastWhere(tasks, (t) => t.status === 'running');
  const byCall = new Map<number, OpenTask>();

  for (const e of events) {
    if (e.kind === 'effect.call' && typeof taskNameOf(e.input) === 'string') {
      const task = open(taskNameOf(e.input)!, null, e.seq, e.at);
      tasks.push(task);
      byCall.set(e.callId, task);
      continue;
    }
    if (e.kind === 'effect.result' && byCall.has(e.callId)) {
      const task = byCall.get(e.callId)!;
      close(task, e.seq, e.at, e.outcome.ok ? 'done' : 'failed');
      if (!e.outcome.ok) task.messages.push(e.outcome.error.message);
      continue;
    }
    const report =
      e.kind === 'effect.event' ? monitorReport(e.event) : e.kind === 'log' && e.fields?.type === 'image-helper' ? monitorReport(e.fields) : undefined;
    if (!report) continue;
    const callId = e.kind === 'effect.event' ? e.callId : null;
    if (report.kind === 'start') tasks.push(open(report.task, callId, e.seq, e.at));
    else if (report.kind === 'end') {
      const task = lastWhere(tasks, (t) => t.name === report.task && t.status === 'running');
      if (task) close(task, e.seq, e.at, 'done');
    } else {
      const task = running();
      if (!task) continue;
      if (report.message !== '') task.messages.push(`${report.kind}: ${report.message}`);
      if (report.kind === 'error') close(task, e.seq, e.at, 'failed');
    }
  }
  return tasks;
}

function lastWhere<T>(items: readonly T[], test: (item: T) => boolean): T | undefined {
  for (let i = items.length - 1; i >= 0; i--) if (test(items[i]!)) return items[i];
  return undefined;
}

function taskNameOf(input: unknown): string | undefined {
  const task = (input as { task?: unknown } | null)?.task;
  if (typeof task === 'string') return task;
  const name = (task as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' ? name : undefined;
}

function open(name: string, callId: number | null, seq: number, at: number): OpenTask {
  return { name, callId, startSeq: seq, startAt: at, endSeq: null, endAt: null, status: 'running', messages: [] };
}

function close(task: OpenTask, seq: number, at: number, status: HelperTask['status']): void {
  task.endSeq = seq;
  task.endAt = at;
  task.status = status;
}
