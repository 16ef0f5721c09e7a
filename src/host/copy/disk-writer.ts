import { constants } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { SnfImageError } from '../../errors.ts';
import { diskCapacity } from './disk-capacity.ts';
import { zeroRangeFor, type ZeroRange } from './zero-range.ts';

/** O_DIRECT writes must start, end and sit in memory on logical-block boundaries; 4 KiB fits every disk. */
export const DIRECT_IO_ALIGNMENT = 4096;

export class DiskTooSmall extends SnfImageError {
  override readonly name = 'DiskTooSmall';
  constructor(readonly disk: string, readonly capacity: number, readonly needed: number) {
    super(`the image does not fit disk ${disk}: it holds ${capacity} bytes and the image needs at least ${needed}; make the disk bigger`);
  }
}

export class UnusableDisk extends SnfImageError {
  override readonly name = 'UnusableDisk';
  constructor(readonly disk: string, reason: string) {
    super(`cannot write the image to ${disk}: ${reason}`);
  }
}

/** A write the disk refused (a full filesystem under a file disk, a failing device): the copy cannot go on. */
export class DiskWriteFailed extends SnfImageError {
  override readonly name = 'DiskWriteFailed';
  constructor(readonly disk: string, where: string, cause: NodeJS.ErrnoException) {
    super(`writing the image to disk ${disk} failed ${where}: ${writeFailure(cause)}`, { cause });
  }
}

function writeFailure(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ENOSPC':
      return 'no space left on the device (ENOSPC); a file disk is written where its filesystem has room, so free some there or allocate the file in full (fallocate)';
    case 'EDQUOT':
      return 'over the disk quota (EDQUOT) of the filesystem that holds it';
    case 'EIO':
      return 'an input/output error (EIO): check the device and the kernel log';
    default:
      return error.message;
  }
}

/** Runs a write of the disk, turning the system's refusal into DiskWriteFailed. */
async function refusedAs<T>(disk: string, where: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (typeof (error as NodeJS.ErrnoException).code === 'string') throw new DiskWriteFailed(disk, where, error as NodeJS.ErrnoException);
    throw error;
  }
}

/**
 * Writes the image at increasing offsets of a block device or a file. The
 * target is opened read-write and never truncated or created: a file disk
 * keeps its size, its preallocation and whatever lies past the image.
 * Aligned writes bypass the page cache (O_DIRECT, like dd oflag=direct),
 * which keeps memory flat and is fastest on block devices; an unaligned
 * tail, and filesystems that refuse O_DIRECT, go through the page cache.
 */
export interface DiskWriter {
  readonly path: string;
  readonly capacity: number | undefined;
  /** `data` must start on a page boundary (alignedBuffers) for the O_DIRECT path. */
  write(data: Uint8Array, position: number): Promise<void>;
  /** Makes [start, end) read as zeros without writing them, where the disk can; false where it cannot. */
  readonly zeroRange: ZeroRange;
  /** Makes everything written durable (the helper VM opens the disk next). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export async function openDiskWriter(disk: string): Promise<DiskWriter> {
  let info;
  try {
    info = await stat(disk);
  } catch (error) {
    throw new UnusableDisk(disk, (error as Error).message);
  }
  if (!info.isFile() && !info.isBlockDevice()) throw new UnusableDisk(disk, 'it is neither a block device nor a regular file');
  const capacity = await diskCapacity(info);
  const zeroRange = await zeroRangeFor(disk, info);

  const cached = await open(disk, constants.O_RDWR);
  let direct: FileHandle | undefined;
  try {
    direct = await open(disk, constants.O_RDWR | constants.O_DIRECT);
  } catch (error) {
    // tmpfs and some network filesystems refuse O_DIRECT: the cached path still works.
    if ((error as NodeJS.ErrnoException).code !== 'EINVAL') {
      await cached.close();
      throw error;
    }
  }

  const writeAll = async (file: FileHandle, data: Uint8Array, position: number) => {
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await file.write(data, done, data.length - done, position + done);
      done += bytesWritten;
    }
  };

  return {
    path: disk,
    capacity,
    zeroRange,
    async write(data, position) {
      if (capacity !== undefined && position + data.length > capacity) throw new DiskTooSmall(disk, capacity, position + data.length);
      const aligned = direct && position % DIRECT_IO_ALIGNMENT === 0 ? data.length - (data.length % DIRECT_IO_ALIGNMENT) : 0;
      await refusedAs(disk, `at byte ${position}`, async () => {
        if (aligned > 0) await writeAll(direct!, data.subarray(0, aligned), position);
        if (aligned < data.length) await writeAll(cached, data.subarray(aligned), position + aligned);
      });
    },
    async flush() {
      // Cached writes to a file may find the filesystem full only now.
      await refusedAs(disk, 'when flushing it', () => cached.datasync());
    },
    async close() {
      await Promise.all([cached.close(), direct?.close()]);
    },
  };
}
