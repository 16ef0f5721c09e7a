import type { ImageHelperMessage } from '../../src/protocol/monitor-parser.ts';

/**
 * What the helper reported about its tasks. A trace carries the monitor
 * protocol's messages (src/protocol/monitor-parser.ts) in two places: the
 * `helper.monitor` events of the effect that runs the helper VM, and the
 * `image-helper` messages create sends (logged with their fields).
 */
export type MonitorReport =
  | { readonly kind: 'start'; readonly task: string }
  | { readonly kind: 'end'; readonly task: string }
  | { readonly kind: 'warning'; readonly message: string }
  | { readonly kind: 'error'; readonly message: string };

/** The report of a `helper.monitor` event, or of an `image-helper` message itself. */
export function monitorReport(value: unknown): MonitorReport | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const v = value as { type?: unknown; message?: unknown };
  if (v.type === 'helper.monitor') return monitorReport(v.message);
  if (v.type !== 'image-helper') return undefined;
  const message = value as ImageHelperMessage;
  switch (message.subtype) {
    case 'task-start':
      return { kind: 'start', task: message.task };
    case 'task-end':
      return { kind: 'end', task: message.task };
    case 'warning':
      return { kind: 'warning', message: message.messages.join('\n').trim() };
    case 'error':
      return { kind: 'error', message: ('stderr' in message ? message.stderr : message.messages.join('\n')).trim() };
    default:
      return undefined;
  }
}
