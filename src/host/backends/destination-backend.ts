import type { Processes } from '../../effects/processes.ts';
import type { Prioritized } from './priority.ts';

/** Something taken that must be given back, as plain data: `{ kind: 'nbd', id: '/dev/nbd0' }`. */
export interface Resource {
  readonly kind: string;
  readonly id: string;
}

export interface AttachedDestination {
  /** The block device or file the image is written to and the helper VM gets. */
  readonly target: string;
  /** What was taken to make the target, to release in reverse order. */
  readonly resources: readonly Resource[];
}

/** Where the instance disk is: one per disk form, as snf-image's backends/dst. */
export interface DestinationBackend extends Prioritized {
  accepts(disk: string): Promise<boolean>;
  attach(disk: string, ports: { processes: Processes }, signal: AbortSignal): Promise<AttachedDestination>;
}
