// Listening for the lab's servers (the Redfish service and the IPMI hook) in a way that can always be closed: every
// TCP socket is tracked from accept, because hung requests (the hang fault), idle keep-alive sockets and TLS
// sockets still in their handshake (which closeAllConnections misses) would otherwise hold close() open forever.
import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface TrackedListener {
  port: number;
  /** Stops accepting and destroys every open socket; resolves when the server has closed. */
  close(): Promise<void>;
}

export async function listenTracked(server: Server, port: number, host: string): Promise<TrackedListener> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      ok();
    });
  });
  let closed: Promise<void> | undefined;
  return {
    port: (server.address() as AddressInfo).port,
    close() {
      closed ??= new Promise<void>((done) => {
        server.close(() => done());
        for (const socket of sockets) socket.destroy();
      });
      return closed;
    },
  };
}
