import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { childEnvironment } from '../../effects/child-environment.ts';
import { SnfImageError } from '../../errors.ts';
import type { ByteSource } from '../backends/byte-source.ts';
import type { Compression } from './compression.ts';
import { childOutputSocket } from './child-output-socket.ts';

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
  readonly output: (into: Uint8Array) => Promise<number>;
  /** Settles when the decompressor has finished; rejects with what it said went wrong. */
  readonly finished: Promise<void>;
  stop(): void;
}

/**
 * The decompressed bytes of `source`, as a stream: nothing lands in a file
 * and memory stays at a few buffers. Debian's xz and zstd decompress (zstd
 * gzip too), each in a child process on a core of its own (Node 20 has
 * neither xz nor zstd, and both tools are far faster than any JavaScript
 * port); their
 * output comes over a socket read into the caller's buffers
 * (child-output-socket.ts), where a pipe, or zlib's stream, would hand over
 * a fresh Buffer for every few kilobytes. The size is unknown until the end.
 */
export async function decompressedSource(image: string, compression: Compression, source: ByteSource): Promise<ByteSource> {
  const decompressor = await childDecompressor(DECOMPRESSORS[compression]);
  decompressor.finished.catch(() => {}); // awaited once the output ends
  let feedError: unknown;
  const feeding = feed(source, decompressor.input).catch((error: unknown) => {
    feedError = error;
    decompressor.stop();
  });
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
      if (ended) return 0;
      let n: number;
      try {
        n = await decompressor.output(into);
      } catch (error) {
        return failure(error);
      }
      if (n > 0) return n;
      ended = true;
      try {
        await decompressor.finished;
      } catch (error) {
        return failure(error);
      }
      await feeding;
      if (feedError !== undefined) throw feedError;
      return 0;
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

const DECOMPRESSORS = {
  // Debian's zstd reads gzip too (through zlib), three times as fast as gzip itself.
  gzip: { command: 'zstd', package: 'zstd' },
  xz: { command: 'xz', package: 'xz-utils' },
  zstd: { command: 'zstd', package: 'zstd' },
} as const satisfies Record<Compression, { command: string; package: string }>;

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

async function childDecompressor({ command, package: debianPackage }: (typeof DECOMPRESSORS)[Compression]): Promise<Decompressor> {
  const output = await childOutputSocket();
  const child = spawn(command, ['--decompress', '--stdout', '--quiet'], { stdio: ['pipe', output.childEnd, 'pipe'], env: childEnvironment() });
  output.given();
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    if (stderr.length < 2000) stderr += text;
  });
  const finished = new Promise<void>((resolve, reject) => {
    child.on('error', (error) => reject(new Error(`${command} could not run (${error.message}); install ${debianPackage}`)));
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(lastLine(stderr) || `${command} exited with ${code ?? signal}`));
    });
  });
  return {
    input: child.stdin,
    output: (into) => output.reader.read(into),
    finished,
    stop: () => {
      child.stdin.destroy();
      output.close();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** The tool's last word without its name and the name it gives stdin ("zstd: /*stdin*\\ : Read error (39) : premature end"). */
function lastLine(text: string): string {
  const line = text.trim().split('\n').at(-1) ?? '';
  return line.replace(/^(gzip|xz|zstd): /, '').replace(/^(\(stdin\)|\/\*stdin\*\\|stdin)\s*:\s*/, '').trim();
}
