import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';

/**
 * The one way datagrams reach BMCs. Retransmission, sessions and queues live above it, so this layer only sends a
 * datagram to an address and hands each received datagram to whoever listens for its source address.
 *
 * One socket per client instance (one per address family, made when first needed) rather than one per BMC: a
 * conductor talks to thousands of BMCs, and a socket each would cost a file descriptor and an ephemeral port per
 * BMC for no gain. Replies are told apart by their source address, which is unambiguous because the client keeps
 * at most one exchange in flight per BMC address. What a per-BMC connected socket would add — ICMP "port
 * unreachable" reported as ECONNREFUSED — helps only for a host that is up with nothing on port 623; a BMC that
 * is off or unreachable stays silent either way, so a timeout is the signal that matters.
 */
export interface DatagramTransport {
  /** `address` is a numeric IPv4 or IPv6 address (names are resolved above this layer). */
  send(address: string, port: number, datagram: Buffer): void;
  /** Routes datagrams from address:port to `handler` until the returned function is called. */
  listen(address: string, port: number, handler: (datagram: Buffer) => void): () => void;
  close(): Promise<void>;
}

export function udpTransport(): DatagramTransport {
  const sockets = new Map<'udp4' | 'udp6', dgram.Socket>();
  const handlers = new Map<string, (datagram: Buffer) => void>();
  const key = (address: string, port: number) => `${address}|${port}`;

  const socketFor = (type: 'udp4' | 'udp6'): dgram.Socket => {
    let socket = sockets.get(type);
    if (socket) return socket;
    socket = dgram.createSocket(type);
    socket.on('message', (msg, rinfo) => handlers.get(key(rinfo.address, rinfo.port))?.(msg));
    // A send error (e.g. EHOSTUNREACH) surfaces as the exchange's timeout; nothing else can be done with it here.
    socket.on('error', () => {});
    socket.bind(0);
    // The socket alone must not keep a process alive: pending exchanges hold their own timers.
    socket.unref();
    sockets.set(type, socket);
    return socket;
  };

  return {
    send(address, port, datagram) {
      socketFor(isIPv6(address) ? 'udp6' : 'udp4').send(datagram, port, address, () => {});
    },
    listen(address, port, handler) {
      const k = key(address, port);
      handlers.set(k, handler);
      return () => {
        if (handlers.get(k) === handler) handlers.delete(k);
      };
    },
    async close() {
      const closing = [...sockets.values()].map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
      sockets.clear();
      handlers.clear();
      await Promise.all(closing);
    },
  };
}
