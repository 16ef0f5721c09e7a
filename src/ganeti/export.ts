import { createReadStream, closeSync, writeSync } from 'node:fs';
import { Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SnfImageError } from '../errors.ts';
import { createLogger, type Logger } from '../log.ts';
import { diskFromEnv, type DiskDevice } from './disk-device.ts';
import { reportOutcome } from './script-outcome.ts';

/**
 * Ganeti's export script (gnt-backup export): the disk EXPORT_DEVICE, whole,
 * on stdout, and its size on EXP_SIZE_FD for Ganeti's progress estimate.
 * stdout carries the data only; every log line goes to stderr, which Ganeti
 * keeps in the export log.
 */
export class ExportStreamError extends SnfImageError {
  override readonly name = 'ExportStreamError';
}

/** Where the data and the log go; tests pass their own. */
export interface ExportIo {
  readonly output: Writable;
  readonly log: Logger;
}

export async function runExport(env: Readonly<Record<string, string | undefined>>, io: Partial<ExportIo> = {}): Promise<number> {
  const log = (io.log ?? createLogger()).child({ component: 'export' });
  const output = io.output ?? process.stdout;
  return reportOutcome(log, async () => {
    const disk = await diskFromEnv(env, 'EXPORT_DEVICE');
    announceSize(env, disk, log);
    log.info({ device: disk.path, kind: disk.kind, bytes: disk.sizeBytes }, `exporting ${disk.path} (${disk.sizeBytes} bytes)`);
    const bytes = await streamDisk(disk, output);
    log.info({ device: disk.path, bytes }, `exported ${bytes} bytes`);
  });
}

/** As snf-image: the size on its own line; a missing or bad descriptor costs Ganeti only its estimate. */
function announceSize(env: Readonly<Record<string, string | undefined>>, disk: DiskDevice, log: Logger): void {
  const variable = env.EXP_SIZE_FD;
  if (variable === undefined || variable === '') return;
  const fd = Number(variable);
  try {
    if (!Number.isInteger(fd) || fd < 0) throw new Error('not a file descriptor number');
    writeSync(fd, `${disk.sizeBytes}\n`);
    closeSync(fd);
  } catch (error) {
    log.warn({ EXP_SIZE_FD: variable }, `cannot write the disk size to EXP_SIZE_FD=${variable} (${(error as Error).message}); Ganeti shows no estimate`);
  }
}

async function streamDisk(disk: DiskDevice, output: Writable): Promise<number> {
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  try {
    await pipeline(createReadStream(disk.path, { highWaterMark: 4 * 1024 * 1024 }), counter, output);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'EPIPE' ? 'the reader of stdout went away' : (error as Error).message;
    throw new ExportStreamError(`the export of ${disk.path} stopped after ${bytes} of ${disk.sizeBytes} bytes: ${why}`, { cause: error });
  }
  if (bytes !== disk.sizeBytes) {
    throw new ExportStreamError(`the export of ${disk.path} read ${bytes} bytes but the disk has ${disk.sizeBytes}: did its size change during the export?`);
  }
  return bytes;
}
