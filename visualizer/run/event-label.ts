import { formatDuration } from '../chart/duration.ts';

/**
 * A traced event type in the chart's words: XState's `xstate.done.actor.readResult`
 * reads `done: readResult`, `xstate.after.120000.host.waiting` reads `after 120 s`.
 */
export function eventLabel(type: string): string {
  if (type === 'xstate.init') return 'start';
  const actor = /^xstate\.(done|error)\.actor\.(.+)$/.exec(type);
  if (actor) return `${actor[1]}: ${actor[2]}`;
  const delayed = /^xstate\.after\.([^.]+)\./.exec(type);
  if (delayed) return `after ${/^\d+$/.test(delayed[1]!) ? formatDuration(Number(delayed[1])) : delayed[1]}`;
  if (type.startsWith('xstate.done.state.')) return 'done';
  return type;
}
