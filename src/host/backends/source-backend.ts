import type { ByteSource } from './byte-source.ts';
import type { Prioritized } from './priority.ts';
import type { BackendsConfig } from '../../../machines/host/plan.ts';

/** Where an image comes from: one per img_id scheme, as snf-image's backends/src. */
export interface SourceBackend extends Prioritized {
  /** snf-image's `-p`: whether this back-end handles the image id. */
  accepts(imageId: string): boolean;
  /** snf-image's `-s`, plus any warning (a deprecated id form, say). */
  inspect(imageId: string, config: BackendsConfig, signal: AbortSignal): Promise<SourceInfo>;
  /** The image bytes; the caller closes the source. */
  open(imageId: string, config: BackendsConfig, signal: AbortSignal): Promise<ByteSource>;
}

export interface SourceInfo {
  /** Bytes, or undefined when only the download will tell (no Content-Length). */
  readonly size: number | undefined;
  readonly warnings: readonly string[];
}
