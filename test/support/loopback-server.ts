import type { AddressInfo, Server, Socket } from 'node:net';

export interface LoopbackListener {
  readonly port: number;
  /** Destroys every connection still open, so a held one cannot keep the server up, then closes it. */
  close(): Promise<void>;
}

/** Makes a test's server listen on 127.0.0.1 on a port the kernel picks. */
export async function listenOnLoopback(server: Server): Promise<LoopbackListener> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };
  server.on('connection', track);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
