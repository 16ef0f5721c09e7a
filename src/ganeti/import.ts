import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { SnfImageError } from '../errors.ts';
import { createLogger, type Logger } from '../log.ts';
import type { InputFiles } from '../host/inputs/input-files.ts';
import { realInputFiles } from '../host/inputs/real-input-files.ts';
import { diskFromEnv, type DiskDevice } from './disk-device.ts';
import { IMPORT_RESIZE, ImportResizeError, importResizeRequested, resizeEnvironment } from './import-resize.ts';
import { reportOutcome } from './script-outcome.ts';
import type { MonitorReport } from '../../machines/host/machine.ts';
import { layoutWarnings } from '../host/layout-report.ts';

/**
 * Ganeti's import script (gnt-backup import): stdin onto the disk
 * IMPORT_DEVICE, from its first byte. A file disk is opened for update and
 * never truncated, so a disk larger than the export keeps its size (the rest
 * stays as it was: zeros on the fresh disk Ganeti creates).
 *
 * Ganeti says nothing about the size to expect, so a "short" stream is judged
 * by what can be known: no data at all, or stdin failing (a read error, the
 * sender's pipe reset) is a failure; so is more data than the disk holds.
 * A stream that ends early but cleanly is not detectable here; Ganeti's own
 * pipeline (socat and dd with pipefail) reports a transfer that broke.
 *
 * Onto a larger disk, the partition and filesystem are grown when the
 * operator asks for it (IMPORT_RESIZE, see import-resize.ts).
 */
export class ImportStreamError extends SnfImageError {
  override readonly name = 'ImportStreamError';
}

/**
 * Grows disk 0 after the import (import-resize.ts); resolves with the
 * failure's message, if any, and the helper's warnings while it grew the
 * layout (what it left at its size, or grew with a caveat).
 */
export type ResizeDisk = (env: Record<string, string | undefined>, logger: Logger) => Promise<ResizeOutcome>;

export interface ResizeOutcome {
  readonly ok: boolean;
  readonly message?: string;
  readonly layoutWarnings?: readonly string[];
}

/** Where the data comes from and the log goes, and how to reach the helper; tests pass their own. */
export interface ImportIo {
  readonly input: Readable;
  readonly log: Logger;
  readonly files: InputFiles;
  readonly resize: ResizeDisk;
}

export interface ImportSummary {
  readonly disk: DiskDevice;
  readonly bytesWritten: number;
}

export async function runImport(env: Readonly<Record<string, string | undefined>>, io: Partial<ImportIo> = {}): Promise<number> {
  const logger = io.log ?? createLogger();
  const log = logger.child({ component: 'import' });
  const input = io.input ?? process.stdin;
  return reportOutcome(log, async () => {
    const disk = await diskFromEnv(env, 'IMPORT_DEVICE');
    log.info({ device: disk.path, kind: disk.kind, bytes: disk.sizeBytes }, `importing onto ${disk.path} (${disk.sizeBytes} bytes)`);
    const { bytesWritten } = await importStream(disk, input);
    const rest = disk.sizeBytes - bytesWritten;
    log.info(
      { device: disk.path, bytesWritten, diskBytes: disk.sizeBytes },
      rest === 0 ? `imported ${bytesWritten} bytes, the whole disk` : `imported ${bytesWritten} bytes; the disk's last ${rest} bytes were left as they were`,
    );
    if (rest > 0) await growIfAsked(env, disk, logger, { files: io.files ?? realInputFiles, resize: io.resize ?? resizeWithHelper });
  });
}

async function growIfAsked(env: Readonly<Record<string, string | undefined>>, disk: DiskDevice, logger: Logger, io: Pick<ImportIo, 'files' | 'resize'>): Promise<void> {
  const log = logger.child({ component: 'import' });
  if (!(await importResizeRequested(env, io.files, (message) => log.warn(message)))) {
    log.info(`the disk is larger than the export; set ${IMPORT_RESIZE}=yes in the configuration to grow its partition and filesystem on import`);
    return;
  }
  const index = env.IMPORT_INDEX ?? '0';
  if (index !== '0') {
    log.info({ index }, `disk ${index} is left at the exported size: ${IMPORT_RESIZE} grows the image disk, disk 0, only`);
    return;
  }
  log.info({ device: disk.path }, `growing the partition and filesystem of ${disk.path} with the helper VM (${IMPORT_RESIZE}=yes)`);
  // create's components log under their own names.
  const { ok, message, layoutWarnings: warnings = [] } = await io.resize(resizeEnvironment(env), logger);
  if (!ok) {
    throw new ImportResizeError(
      `${disk.path} holds the imported data, but growing its partition and filesystem failed: ${message ?? 'unknown reason'}. ` +
        'The guest still works at its exported size; fix the cause and run the import again, or grow it from inside the guest',
    );
  }
  // Growth is claimed only when the layout tasks had nothing to say; otherwise their words are the report.
  if (warnings.length === 0) log.info({ device: disk.path }, `grew the partition and filesystem of ${disk.path}`);
  else log.warn({ device: disk.path }, `not all of ${disk.path} may have grown; the helper warned while growing it: ${warnings.join('; ')}`);
}

/** create's lifecycle with the null source: nothing copied, the disk-layout tasks run in the helper VM. */
async function resizeWithHelper(env: Record<string, string | undefined>, logger: Logger): Promise<ResizeOutcome> {
  const { deploy, userFacingError } = await import('./create.ts');
  const reports: MonitorReport[] = [];
  // Monitor messages go to stderr with the rest of the log: stdout is not ours to fill here.
  const { output } = await deploy(env, { log: logger, stdout: process.stderr, onReport: (report) => reports.push(report) });
  if (output.ok) return { ok: true, layoutWarnings: layoutWarnings(reports) };
  return { ok: false, message: output.failure ? userFacingError(output.failure) : 'the helper left resources it could not release' };
}

/** Writes the stream onto the disk and flushes it to stable storage before reporting success. */
export async function importStream(disk: DiskDevice, input: Readable): Promise<ImportSummary> {
  const handle = await open(disk.path, 'r+');
  let bytesWritten = 0;
  try {
    try {
      for await (const chunk of input as AsyncIterable<Buffer>) {
        if (bytesWritten + chunk.length > disk.sizeBytes) {
          throw new ImportStreamError(
            `the import stream holds more than the ${disk.sizeBytes} bytes of ${disk.path}: the disk is smaller than the exported one; import onto a disk at least as large`,
          );
        }
        await writeFully(handle, chunk, bytesWritten);
        bytesWritten += chunk.length;
      }
    } catch (error) {
      if (error instanceof ImportStreamError) throw error;
      throw new ImportStreamError(`the import onto ${disk.path} failed after ${bytesWritten} bytes: ${(error as Error).message}`, { cause: error });
    }
    if (bytesWritten === 0) throw new ImportStreamError(`the import stream for ${disk.path} was empty: no data arrived on stdin, the disk was not changed`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return { disk, bytesWritten };
}

async function writeFully(handle: Awaited<ReturnType<typeof open>>, chunk: Buffer, position: number): Promise<void> {
  let offset = 0;
  while (offset < chunk.length) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset, position + offset);
    offset += bytesWritten;
  }
}
