import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SocketReader } from '../backends/socket-reader.ts';

export interface ChildOutputSocket {
  /** Give this as the child's stdout (spawn's stdio), then call `given`. */
  readonly childEnd: Socket;
  /** What the child writes; 0 once it has exited and nothing is left. */
  readonly reader: SocketReader;
  /** Closes this process's copy of the child's end: the child holds its own, and its exit ends the output. */
  given(): void;
  close(): void;
}

/**
 * A connected pair of Unix sockets for a child's stdout, this process
 * reading its end through a SocketReader: a pipe from spawn is read as a
 * stream, a fresh Buffer for every 64 KiB, which a decompressor turns into
 * gigabytes of garbage. The socket's name lives in a private directory only
 * until the two ends have met.
 */
export async function childOutputSocket(): Promise<ChildOutputSocket> {
  const dir = await mkdtemp(join(tmpdir(), 'snf-image-output-'));
  const server = createServer();
  const reader = new SocketReader();
  let ours: Socket | undefined;
  try {
    const path = join(dir, 'socket');
    server.listen(path);
    await once(server, 'listening');
    ours = connect({ path, onread: reader.onread });
    reader.attach(ours);
    const [[childEnd]] = (await Promise.all([once(server, 'connection'), once(ours, 'connect')])) as [[Socket], unknown];
    const reading = ours;
    return {
      childEnd,
      reader,
      given: () => childEnd.destroy(),
      close: () => {
        childEnd.destroy();
        reading.destroy();
      },
    };
  } catch (error) {
    ours?.destroy();
    throw error;
  } finally {
    server.close();
    await rm(dir, { recursive: true, force: true });
  }
}
