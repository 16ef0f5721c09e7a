/**
 * Moving the image from its source onto the instance disk: the effects the
 * create lifecycle (machines/host/machine.ts) invokes, in this order. Inputs and
 * outputs are plain data; each takes the effect context ({ signal, emit }).
 *
 *   selectBackends({ imageId, disk, config })
 *     -> { source: { backend, size? }, destination: { backend, path }, warnings }
 *   formatProperties({ format })
 *     -> { properties }  (OSFAMILY/ROOT_PARTITION forced by extdump/ntfsdump; {} for diskdump)
 *   attachDestination({ backend, disk })
 *     -> { target, resources }  (resources: [{ kind: 'nbd', id: '/dev/nbd0' }] for a URI disk)
 *   copyImage({ imageId, source, format, target, config, checksum?, progressIntervalMs? })
 *     (format: diskdump, raw or gzip/xz/zstd-compressed; extdump; ntfsdump; qcow2.
 *      checksum: img_checksum, checked on the bytes as fetched)
 *     -> { bytes, seconds, megabytesPerSecond }; emits
 *        { type: 'copy.progress', position, total?, progress? } every ~3 s and at the end
 *   releaseResource({ kind, id })  for each resource, in reverse order, whatever happened
 *
 * config is { imageDir, backendsConfigDir, downloadStallSeconds? } (IMAGE_DIR,
 * the directory of the back-ends' .priority and .disabled files,
 * DEFAULT_BACKENDS_CONFIG_DIR unless configured, and how long a download may
 * go silent, 60 s unless given). Errors an operator can act on are SnfImageError
 * subclasses; an aborted signal stops any of them, with everything they
 * opened closed.
 */
import type { Effect } from '../effects/effect.ts';
import type { Processes } from '../effects/processes.ts';
import type { AttachedDestination, Resource } from './backends/destination-backend.ts';
import { destinationBackendNamed, type BackendRegistry } from './backends/backend-registry.ts';
import { chooseBackends, type BackendSelection } from './backends/select-backends.ts';
import { detachNbd, NBD_RESOURCE_KIND } from './backends/uri-destination.ts';
import { copyImage, type CopyImageInput } from './copy/copy-image.ts';
import type { CopySummary } from './copy/copy-stream.ts';
import { formatProperties } from './image-format/image-format.ts';
import type { BackendsConfig } from '../../machines/host/plan.ts';

export { DEFAULT_BACKENDS_CONFIG_DIR } from './backends/backends-config.ts';
export type { AttachedDestination, BackendSelection, BackendsConfig, CopyImageInput, CopySummary, Resource };

export interface ImageTransferEffects {
  readonly selectBackends: Effect<{ imageId: string; disk: string; config: BackendsConfig }, BackendSelection>;
  readonly formatProperties: Effect<{ format: string }, { properties: Readonly<Record<string, string>> }>;
  readonly attachDestination: Effect<{ backend: string; disk: string }, AttachedDestination>;
  readonly copyImage: Effect<CopyImageInput, CopySummary>;
  /** Releases the resources attachDestination took; other kinds are not this module's. */
  readonly releaseResource: Effect<Resource, void>;
}

export function createImageTransferEffects(ports: { readonly processes: Processes; readonly backends: BackendRegistry }): ImageTransferEffects {
  return {
    selectBackends: (input, ctx) => chooseBackends(input, ports.backends, ctx.signal),
    formatProperties: async ({ format }) => ({ properties: formatProperties(format) }),
    attachDestination: ({ backend, disk }, ctx) => destinationBackendNamed(ports.backends, backend).attach(disk, ports, ctx.signal),
    copyImage: (input, ctx) => copyImage(input, ctx, ports.backends),
    async releaseResource(resource) {
      if (resource.kind !== NBD_RESOURCE_KIND) throw new Error(`image transfer took no resource of kind ${resource.kind}`);
      await detachNbd(resource, ports.processes);
    },
  };
}
