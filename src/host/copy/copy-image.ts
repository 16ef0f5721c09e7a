import type { EffectContext } from '../../effects/effect.ts';
import type { BackendsConfig } from '../backends/backends-config.ts';
import { sourceBackendNamed, type BackendRegistry } from '../backends/backend-registry.ts';
import { filesystemDumpLayout, parseImageFormat } from '../image-format/image-format.ts';
import { buildFilesystemDumpMbr } from '../image-format/mbr.ts';
import { SnfImageError } from '../../errors.ts';
import { prefixedSource, type ByteSource } from '../backends/byte-source.ts';
import { copyProgressEvent } from './copy-progress.ts';
import { copyStream, DEFAULT_COPY_OPTIONS, type CopySummary } from './copy-stream.ts';
import { openDiskWriter } from './disk-writer.ts';

export interface CopyImageInput {
  readonly imageId: string;
  /** The source back-end selectBackends chose. */
  readonly source: string;
  /** img_format: diskdump, extdump or ntfsdump. */
  readonly format: string;
  /** The block device or file attachDestination gave. */
  readonly target: string;
  readonly config: BackendsConfig;
  readonly progressIntervalMs?: number;
}

export class ImageSizeUnknown extends SnfImageError {
  override readonly name = 'ImageSizeUnknown';
  constructor(readonly format: string) {
    super(`img_format ${format} needs the image size to build the partition table, and the source did not give it (no Content-Length)`);
  }
}

/**
 * Streams the image onto the target: a diskdump as it is, an extdump or
 * ntfsdump behind its generated MBR. An empty image (img_id null) writes
 * nothing, not even an MBR: the disk is customized as it is. The source
 * (input.source, a back-end of `backends`) and the disk are closed whatever
 * happens.
 */
export async function copyImage(input: CopyImageInput, ctx: EffectContext, backends: BackendRegistry): Promise<CopySummary> {
  const layout = filesystemDumpLayout(parseImageFormat(input.format));
  const options = { ...DEFAULT_COPY_OPTIONS, progressIntervalMs: input.progressIntervalMs ?? DEFAULT_COPY_OPTIONS.progressIntervalMs };
  const image = await sourceBackendNamed(backends, input.source).open(input.imageId, input.config, ctx.signal);
  try {
    if (image.size === 0) {
      ctx.emit(copyProgressEvent(0, 0));
      return { bytes: 0, seconds: 0, megabytesPerSecond: 0 };
    }
    let source: ByteSource = image;
    if (layout !== undefined) {
      if (image.size === undefined) throw new ImageSizeUnknown(input.format);
      source = prefixedSource(buildFilesystemDumpMbr(image.size, layout.partitionType), image);
    }
    const disk = await openDiskWriter(input.target);
    try {
      return await copyStream(source, disk, ctx, options);
    } finally {
      await disk.close();
    }
  } finally {
    await image.close();
  }
}
