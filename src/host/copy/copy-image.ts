import { AbortedError, type EffectContext } from '../../effects/effect.ts';
import { EmptyImage } from '../backends/backend-errors.ts';
import { printableUrl } from '../backends/network-source.ts';
import { nullSource } from '../backends/null-source.ts';
import { sourceBackendNamed, type BackendRegistry } from '../backends/backend-registry.ts';
import { COMPRESSION_MAGIC_BYTES, detectCompression } from '../image-format/compression.ts';
import { decompressedSource } from '../image-format/decompressed-source.ts';
import { filesystemDumpLayout, parseImageFormat } from '../image-format/image-format.ts';
import { buildFilesystemDumpMbr } from '../image-format/mbr.ts';
import { copyQcow2 } from '../image-format/qcow2-copy.ts';
import { copyQcow2File } from '../image-format/qcow2-file-copy.ts';
import { SnfImageError } from '../../errors.ts';
import { prefixedSource, readHead, type ByteSource } from '../backends/byte-source.ts';
import { copyProgressEvent } from './copy-progress.ts';
import { copyStream, DEFAULT_COPY_OPTIONS, ImageSizeMismatch, type CopySummary } from './copy-stream.ts';
import { DiskTooSmall, openDiskWriter } from './disk-writer.ts';
import { hashingSource, parseImageChecksum, type HashingSource } from './image-checksum.ts';
import { sparseWriter } from './sparse-writer.ts';
import type { BackendsConfig } from '../../../machines/host/plan.ts';

export interface CopyImageInput {
  readonly imageId: string;
  /** The source back-end selectBackends chose. */
  readonly source: string;
  /** img_format: diskdump, extdump, ntfsdump or qcow2. */
  readonly format: string;
  /** The block device or file attachDestination gave. */
  readonly target: string;
  readonly config: BackendsConfig;
  /** img_checksum, `sha256:<hex>`: checked on the bytes as fetched. */
  readonly checksum?: string;
  readonly progressIntervalMs?: number;
}

export class ImageSizeUnknown extends SnfImageError {
  override readonly name = 'ImageSizeUnknown';
  constructor(readonly format: string, why: string) {
    super(`img_format ${format} needs the image size to build the partition table, and ${why}`);
  }
}

export class InvalidImageChecksum extends SnfImageError {
  override readonly name = 'InvalidImageChecksum';
  constructor(readonly checksum: string) {
    super(`img_checksum "${checksum}" is not a checksum: use sha256:, sha384: or sha512: followed by the hex digest`);
  }
}

/**
 * Streams the image onto the target: a diskdump as it is (decompressed
 * first when it is gzip, xz or zstd), an extdump or ntfsdump behind its
 * generated MBR, a qcow2 decoded cluster by cluster. Zero runs are left out
 * where the disk is made to read as zeros (sparse-writer.ts). With
 * img_checksum the fetched bytes are hashed on the way and a mismatch fails
 * the copy. An empty image (img_id null) writes nothing, not even an MBR:
 * the disk is customized as it is. The source (input.source, a back-end of
 * `backends`) and the disk are closed whatever happens.
 */
export async function copyImage(input: CopyImageInput, ctx: EffectContext, backends: BackendRegistry): Promise<CopySummary> {
  if (ctx.signal.aborted) throw new AbortedError('copyImage');
  const format = parseImageFormat(input.format);
  const expected = input.checksum === undefined || input.checksum === '' ? undefined : parseImageChecksum(input.checksum);
  if (input.checksum && expected === undefined) throw new InvalidImageChecksum(input.checksum);
  const options = { ...DEFAULT_COPY_OPTIONS, progressIntervalMs: input.progressIntervalMs ?? DEFAULT_COPY_OPTIONS.progressIntervalMs };
  const name = imageName(input.imageId);
  const image = await sourceBackendNamed(backends, input.source).open(input.imageId, input.config, ctx.signal);
  let source: ByteSource = image;
  try {
    return await copyOpened();
  } catch (error) {
    // The disk and the size checks do not know which image they were given; the operator needs it.
    if (error instanceof DiskTooSmall || error instanceof ImageSizeMismatch) error.message = `image ${name}: ${error.message}`;
    throw error;
  } finally {
    await source.close();
    await image.close();
  }

  async function copyOpened(): Promise<CopySummary> {
    if (image.size === 0) {
      // A source that announced bytes at selection and has none now is an image emptied in between.
      if (input.source !== nullSource.name) throw new EmptyImage(input.imageId);
      ctx.emit(copyProgressEvent(0, 0));
      return { bytes: 0, seconds: 0, megabytesPerSecond: 0 };
    }
    let hashing: HashingSource | undefined;
    if (expected !== undefined) source = hashing = hashingSource(name, expected, image);
    if (format === 'qcow2') {
      // A local file is read at the offsets its tables give; anything else (a download, a checksum to
      // compute on the bytes in order) as a stream.
      const { readAt, size } = source;
      const summary =
        readAt !== undefined && size !== undefined
          ? await copyQcow2File(name, { size, readAt }, input.target, ctx, options)
          : await copyQcow2(name, source, input.target, ctx, options);
      hashing?.verify();
      return summary;
    }
    const { head, source: whole } = await readHead(source, COMPRESSION_MAGIC_BYTES);
    source = whole;
    const compression = detectCompression(head);
    if (compression !== undefined) source = await decompressedSource(name, compression, source);
    const layout = filesystemDumpLayout(format);
    if (layout !== undefined) {
      if (compression !== undefined) throw new ImageSizeUnknown(format, `the image is ${compression}-compressed; decompress it first or use a diskdump`);
      if (source.size === undefined) throw new ImageSizeUnknown(format, 'the source did not give it (no Content-Length)');
      source = prefixedSource(buildFilesystemDumpMbr(source.size, layout.partitionType), source);
    }
    const disk = await openDiskWriter(input.target);
    try {
      if (source.size !== undefined && disk.capacity !== undefined && source.size > disk.capacity) throw new DiskTooSmall(disk.path, disk.capacity, source.size);
      const summary = await copyStream(source, await sparseWriter(disk, source.size, ctx.signal), ctx, options);
      // A download without a Content-Length shows its emptiness only here; nothing was written.
      if (summary.bytes === 0) throw new EmptyImage(input.imageId);
      hashing?.verify();
      return summary;
    } finally {
      await disk.close();
    }
  }
}

/** The image as messages name it: a local name as given, a URL without credentials or query. */
function imageName(imageId: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(imageId) && !/^(local|file):/i.test(imageId) ? printableUrl(imageId) : `"${imageId}"`;
}
