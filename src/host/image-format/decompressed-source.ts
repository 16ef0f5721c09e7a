import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { SnfImageError } from '../../errors.ts';
import type { ByteSource } from '../backends/byte-source.ts';
import type { Compression } from './compression.ts';

export class CorruptCompressedImage extends SnfImageError {
  override readonly name = 'CorruptCompressedImage';
  constructor(readonly image: string, readonly compression: Compression, reason: string) {
    super(`image ${image} is ${compression}-compressed and cannot be decompressed: ${reason}; the image file is truncated or damaged, fetch it again`);
  }
}

/** Bytes handed to the decompressor at a time. */
const FEED_BYTES = 1024 * 1024;

interface Decompressor {
  readonly input: Writable;
  readonly output: Readable;
  /** Settles when the decompressor has finished; rejects with what it said went wrong. */
  readonly finished: Promise<void>;
  stop(): void;
}

/**
 * The decompressed bytes of `source`, as a stream: nothing lands in a file
 * and memory stays at a few buffers. gzip goes through Node's zlib; xz and
 * zstd through Debian's xz and zstd in a child process each (Node 20 has
 * neither, and both tools decompress faster than any JavaScript port, on a
 * core of their own). The size is unknown until the end.
 */
export function decompressedSource(image: string, compression: Compression, source: ByteSource): ByteSource {
  const decompressor = compression === 'gzip' ? gunzip() : childDecompressor(compression === 'xz' ? 'xz' : 'zstd');
  decompressor.finished.catch(() => {}); // awaited once the output ends
  let feedError: unknown;
  const feeding = feed(source, decompressor.input).catch((error: unknown) => {
    feedError = error;
    decompressor.stop();
  });
  const chunks = decompressor.output[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let pending: Buffer | undefined;
  let ended = false;

  /** Why the output ended early: the source's own failure (a cut download) says more than the decompressor's. */
  const failure = async (decompressorError: unknown): Promise<never> => {
    decompressor.stop();
    await feeding;
    if (feedError !== undefined) throw feedError;
    const reason = decompressorError instanceof Error ? decompressorError.message : String(decompressorError);
    throw new CorruptCompressedImage(image, compression, reason);
  };

  return {
    size: undefined,
    async read(into) {
      while (pending === undefined || pending.length === 0) {
        if (ended) return 0;
        let next: IteratorResult<Buffer>;
        try {
          next = await chunks.next();
        } catch (error) {
          return failure(error);
        }
        if (next.done) {
          ended = true;
          try {
            await decompressor.finished;
          } catch (error) {
            return failure(error);
          }
          await feeding;
          if (feedError !== undefined) throw feedError;
          return 0;
        }
        pending = next.value;
      }
      const n = Math.min(into.length, pending.length);
      into.set(pending.subarray(0, n));
      pending = pending.subarray(n);
      return n;
    },
    async close() {
      ended = true;
      decompressor.stop();
      // Closed before the feed is awaited: a read of a stalled download only ends when its connection does.
      await source.close();
      await feeding;
    },
  };
}

async function feed(source: ByteSource, input: Writable): Promise<void> {
  // An input the decompressor stopped reading (it failed or was stopped) ends the feed; the output tells why.
  const closed = once(input, 'close').then(() => false);
  input.on('error', () => {});
  // Two buffers in turn, each refilled only once the decompressor has taken it: no garbage per chunk.
  const buffers = [Buffer.allocUnsafe(FEED_BYTES), Buffer.allocUnsafe(FEED_BYTES)];
  const taken: Array<Promise<boolean>> = buffers.map(() => Promise.resolve(true));
  for (let turn = 0; ; turn++) {
    const index = turn % buffers.length;
    if (!(await Promise.race([taken[index]!, closed]))) return;
    const chunk = buffers[index]!;
    const n = await source.read(chunk);
    if (n === 0) break;
    if (input.destroyed) return;
    taken[index] = new Promise((resolve) => input.write(chunk.subarray(0, n), (error) => resolve(!error)));
  }
  input.end();
}

function gunzip(): Decompressor {
  const stream = createGunzip();
  const finished = new Promise<void>((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  return { input: stream, output: stream, finished, stop: () => stream.destroy() };
}

function childDecompressor(command: 'xz' | 'zstd'): Decompressor {
  const child = spawn(command, ['--decompress', '--stdout', '--quiet'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    if (stderr.length < 2000) stderr += text;
  });
  const finished = new Promise<void>((resolve, reject) => {
    child.on('error', (error) => reject(new Error(`${command} could not run (${error.message}); install ${command === 'xz' ? 'xz-utils' : 'zstd'}`)));
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(lastLine(stderr) || `${command} exited with ${code ?? signal}`));
    });
  });
  return {
    input: child.stdin,
    output: child.stdout,
    finished,
    stop: () => {
      child.stdin.destroy();
      child.stdout.destroy();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** The tool's last word without its name and the name it gives stdin ("zstd: /*stdin*\\ : Read error (39) : premature end"). */
function lastLine(text: string): string {
  const line = text.trim().split('\n').at(-1) ?? '';
  return line.replace(/^(xz|zstd): /, '').replace(/^(\(stdin\)|\/\*stdin\*\\)\s*:\s*/, '').trim();
}
