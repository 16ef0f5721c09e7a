import { UnknownBackend } from './backend-errors.ts';
import type { DestinationBackend } from './destination-backend.ts';
import { localDestination } from './local-destination.ts';
import { localSource } from './local-source.ts';
import { networkSource } from './network-source.ts';
import { nullSource } from './null-source.ts';
import type { SourceBackend } from './source-backend.ts';
import { createUriDestination } from './uri-destination.ts';

/** The back-ends a deployment chooses from; passed in, so a test can give its own. */
export interface BackendRegistry {
  readonly sources: readonly SourceBackend[];
  readonly destinations: readonly DestinationBackend[];
}

/** snf-image's back-ends, on a real node. */
export function standardBackends(): BackendRegistry {
  return { sources: [localSource, networkSource, nullSource], destinations: [localDestination, createUriDestination()] };
}

export function sourceBackendNamed(registry: BackendRegistry, name: string): SourceBackend {
  const backend = registry.sources.find((b) => b.name === name);
  if (backend === undefined) throw new UnknownBackend('src', name);
  return backend;
}

export function destinationBackendNamed(registry: BackendRegistry, name: string): DestinationBackend {
  const backend = registry.destinations.find((b) => b.name === name);
  if (backend === undefined) throw new UnknownBackend('dst', name);
  return backend;
}
