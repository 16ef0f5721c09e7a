import type { Processes } from '../../effects/processes.ts';
import type { AttachedDestination } from '../../../machines/host/ports.ts';
import type { Prioritized } from './priority.ts';

// The host port's types: a resource is plain data (`{ kind: 'nbd', id: '/dev/nbd0' }`),
// released in reverse order of the list attach returns.
export type { AttachedDestination, Resource } from '../../../machines/host/ports.ts';

/** Where the instance disk is: one per disk form, as snf-image's backends/dst. */
export interface DestinationBackend extends Prioritized {
  accepts(disk: string): Promise<boolean>;
  attach(disk: string, ports: { processes: Processes }, signal: AbortSignal): Promise<AttachedDestination>;
}
