import { constants } from 'node:fs';
import { open, realpath, stat, type FileHandle } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { SnfImageError } from '../../errors.ts';
import type { ByteSource } from './byte-source.ts';
import type { SourceBackend } from './source-backend.ts';

export class ImageOutsideImageDir extends SnfImageError {
  override readonly name = 'ImageOutsideImageDir';
  constructor(readonly imageId: string, readonly imageDir: string) {
    super(`img_id "${imageId}" points to a file outside the image directory ${imageDir}`);
  }
}

export class LocalImageNotFound extends SnfImageError {
  override readonly name = 'LocalImageNotFound';
  constructor(readonly imageId: string, readonly imageDir: string, reason: string) {
    super(`img_id "${imageId}": ${reason} (IMAGE_DIR is ${imageDir})`);
  }
}

interface LocalImageName {
  readonly name: string;
  readonly deprecated: boolean;
}

/** `local://NAME`, the deprecated `file://NAME`, or a bare NAME without a colon. */
export function localImageName(imageId: string): LocalImageName | undefined {
  let name: string;
  let deprecated = false;
  if (imageId.startsWith('local://')) name = imageId.slice('local://'.length);
  else if (imageId.startsWith('file://')) {
    name = imageId.slice('file://'.length);
    deprecated = true;
  } else if (!imageId.includes(':')) name = imageId;
  else return undefined;
  return name === '' ? undefined : { name, deprecated };
}

/**
 * The real path and size of a local image. The path is resolved with every
 * symlink followed and must stay inside the (equally resolved) image
 * directory, so neither `..` nor a symlink placed in IMAGE_DIR leads out.
 */
export async function resolveLocalImage(imageId: string, imageDir: string): Promise<{ path: string; size: number }> {
  const parsed = localImageName(imageId);
  if (parsed === undefined) throw new LocalImageNotFound(imageId, imageDir, 'not a local image id');
  let realDir: string;
  try {
    realDir = await realpath(imageDir);
  } catch {
    throw new LocalImageNotFound(imageId, imageDir, 'the image directory does not exist');
  }
  const candidate = resolve(realDir, `.${sep}${parsed.name}`);
  if (!isInside(candidate, realDir)) throw new ImageOutsideImageDir(imageId, imageDir);
  let path: string;
  try {
    path = await realpath(candidate);
  } catch {
    throw new LocalImageNotFound(imageId, imageDir, `no image named "${parsed.name}"`);
  }
  if (!isInside(path, realDir)) throw new ImageOutsideImageDir(imageId, imageDir);
  const info = await stat(path);
  if (!info.isFile()) throw new LocalImageNotFound(imageId, imageDir, `"${parsed.name}" is not a regular file`);
  return { path, size: info.size };
}

function isInside(path: string, dir: string): boolean {
  return path.startsWith(dir.endsWith(sep) ? dir : dir + sep);
}

export const localSource: SourceBackend = {
  name: 'local',
  defaultPriority: 10,
  accepts: (imageId) => localImageName(imageId) !== undefined,
  async inspect(imageId, config) {
    const { size } = await resolveLocalImage(imageId, config.imageDir);
    const warnings = localImageName(imageId)?.deprecated
      ? [`img_id "${imageId}": the file:// form is deprecated, use local:// instead`]
      : [];
    return { size, warnings };
  },
  async open(imageId, config) {
    const { path } = await resolveLocalImage(imageId, config.imageDir);
    return openFileSource(path);
  },
};

/** O_DIRECT reads must start, end and sit in memory on logical-block boundaries; 4 KiB fits every disk. */
const DIRECT_IO_ALIGNMENT = 4096;

/**
 * Reads a file front to back, or at offsets; the size is that of the file
 * opened, not of an earlier look. Reads at offsets asked to be uncached, of
 * whole aligned blocks into page-aligned memory (the copy's buffers), use
 * O_DIRECT: the image does not go through the page cache, which for a
 * sparse image means no page of zeros made and copied for every hole.
 * Any other read, and a read O_DIRECT refuses, goes through the cache and
 * its read-ahead.
 */
async function openFileSource(path: string): Promise<ByteSource> {
  const file = await open(path, 'r');
  let direct: FileHandle | undefined;
  let size: number;
  try {
    size = (await file.stat()).size;
    direct = await open(path, constants.O_RDONLY | constants.O_DIRECT).catch(() => undefined);
  } catch (error) {
    await file.close();
    throw error;
  }
  const readAt = async (into: Uint8Array, at: number, uncached = false): Promise<number> => {
    if (uncached && direct !== undefined && at % DIRECT_IO_ALIGNMENT === 0 && into.length % DIRECT_IO_ALIGNMENT === 0 && into.length > 0) {
      try {
        return (await direct.read(into, 0, into.length, at)).bytesRead;
      } catch (error) {
        // Memory off a page boundary (Node's own buffers, which the caller may mix with aligned ones): this read goes through the cache.
        if ((error as NodeJS.ErrnoException).code !== 'EINVAL') throw error;
      }
    }
    return (await file.read(into, 0, into.length, at)).bytesRead;
  };
  let position = 0;
  let closed = false;
  return {
    size,
    async read(into) {
      const bytesRead = await readAt(into, position);
      position += bytesRead;
      return bytesRead;
    },
    readAt,
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([file.close(), direct?.close()]);
    },
  };
}
