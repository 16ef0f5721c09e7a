import type { BackendRegistry } from './backend-registry.ts';
import { EmptyImage, NoSuitableBackend } from './backend-errors.ts';
import type { DestinationBackend } from './destination-backend.ts';
import { nullSource } from './null-source.ts';
import { orderBackends } from './priority.ts';
import type { BackendsConfig } from '../../../machines/host/plan.ts';

export interface BackendSelection {
  readonly source: { readonly backend: string; readonly size?: number };
  readonly destination: { readonly backend: string; readonly path: string };
  /** For the log: disabled back-ends, invalid priority files, deprecated id forms. */
  readonly warnings: readonly string[];
}

/**
 * snf-image's get_backend for the image and the disk, then the image size:
 * each kind's back-ends in priority order, the first that accepts wins. An
 * empty image is refused here, before the disk is touched.
 */
export async function chooseBackends(
  input: { imageId: string; disk: string; config: BackendsConfig },
  registry: BackendRegistry,
  signal: AbortSignal,
): Promise<BackendSelection> {
  const { imageId, disk, config } = input;
  const warnings: string[] = [];
  const sources = await orderBackends('src', registry.sources, config.backendsConfigDir, warnings);
  const source = sources.find((b) => b.accepts(imageId));
  if (source === undefined) throw new NoSuitableBackend('src', imageId, sources.map((b) => b.name));

  const destinations = await orderBackends('dst', registry.destinations, config.backendsConfigDir, warnings);
  let destination: DestinationBackend | undefined;
  for (const candidate of destinations) {
    if (await candidate.accepts(disk)) {
      destination = candidate;
      break;
    }
  }
  if (destination === undefined) throw new NoSuitableBackend('dst', disk, destinations.map((b) => b.name));

  const info = await source.inspect(imageId, config, signal);
  if (info.size === 0 && source !== nullSource) throw new EmptyImage(imageId);
  warnings.push(...info.warnings);
  return {
    source: { backend: source.name, ...(info.size === undefined ? {} : { size: info.size }) },
    destination: { backend: destination.name, path: disk },
    warnings,
  };
}
