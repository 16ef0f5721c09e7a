import { formatDuration } from './duration.ts';

/** What we read from an XState transition definition to label its edge. */
export interface TransitionFacts {
  readonly eventType: string;
  readonly guard?: unknown;
  readonly delay?: unknown;
}

export interface EdgeLabel {
  readonly event: string;
  readonly guard?: string;
  readonly delay?: string;
  readonly label: string;
}

/**
 * Names an edge in the machine's own words. XState spells delayed, done and
 * error transitions as internal event types (`xstate.after.120000.host.a`,
 * `xstate.done.actor.0.host.copying`); a reader wants `after 120 s` and
 * `done: copyImage`.
 */
export function edgeLabel(
  transition: TransitionFacts,
  delays: Readonly<Record<string, unknown>>,
  invokeSources: ReadonlyMap<string, string>,
): EdgeLabel {
  const guard = transition.guard === undefined ? undefined : describeGuard(transition.guard);
  const delay = transition.delay === undefined ? undefined : describeDelay(transition.delay, delays);
  const event = delay !== undefined ? `after ${delay}` : describeEvent(transition.eventType, invokeSources);
  const label = guard === undefined ? event : `${event} [${guard}]`;
  return { event, label, ...(guard !== undefined ? { guard } : {}), ...(delay !== undefined ? { delay } : {}) };
}

function describeEvent(eventType: string, invokeSources: ReadonlyMap<string, string>): string {
  if (eventType === '') return 'always';
  const actorEvent = /^xstate\.(done|error)\.actor\.(.+)$/.exec(eventType);
  if (actorEvent) return `${actorEvent[1]}: ${invokeSources.get(actorEvent[2]!) ?? actorEvent[2]}`;
  if (eventType.startsWith('xstate.done.state.')) return 'done';
  return eventType;
}

function describeDelay(delay: unknown, delays: Readonly<Record<string, unknown>>): string {
  if (typeof delay === 'number') return formatDuration(delay);
  if (typeof delay === 'string') {
    const resolved = delays[delay];
    return typeof resolved === 'number' ? formatDuration(resolved) : delay;
  }
  return 'a computed delay';
}

/** Guards are names, `{ type, params }` objects, inline functions, or `not`/`and`/`or` combinations of these. */
export function describeGuard(guard: unknown): string {
  if (typeof guard === 'string') return guard;
  if (guard === null || (typeof guard !== 'object' && typeof guard !== 'function')) return String(guard);
  const { type, guards, check } = guard as { type?: unknown; guards?: unknown; check?: { name?: string } };
  if (Array.isArray(guards)) {
    // xstate's combinators are functions named not/and/or carrying their operands in `guards`.
    const parts = guards.map(describeGuard);
    const combinator = check?.name ?? (typeof guard === 'function' ? guard.name : '');
    if (/not$/i.test(combinator)) return `!${parts[0] ?? '?'}`;
    if (/and$/i.test(combinator)) return parts.join(' && ');
    if (/or$/i.test(combinator)) return parts.join(' || ');
  }
  if (typeof type === 'string') return type;
  if (typeof guard === 'function' && guard.name !== '' && guard.name !== 'guard') return guard.name;
  return 'inline guard';
}
