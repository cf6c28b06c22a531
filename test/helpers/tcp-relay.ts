/**
 * A TCP relay to a broker (or any TCP server): a real outage on demand for the connection tests,
 * and a way in from a network namespace for the several-hosts test (the broker listens on
 * loopback only). Closed, with every relayed socket, after the test.
 */
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import type { TestContext } from 'node:test';

export interface TcpRelay {
  readonly port: number;
  /** Drop every relayed connection and refuse new ones until heal(). */
  cut(): void;
  heal(): void;
}

/** Relay `listenHost`:(free port) to the host and port of `targetUrl`. */
export async function startTcpRelay(t: TestContext, targetUrl: string, listenHost = '127.0.0.1'): Promise<TcpRelay> {
  const target = new URL(targetUrl);
  const sockets = new Set<Socket>();
  let refusing = false;
  const server = createServer((client) => {
    if (refusing) return void client.destroy();
    const upstream = connect({ host: target.hostname, port: Number(target.port) });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  server.listen(0, listenHost);
  await once(server, 'listening');
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });
  return {
    port: (server.address() as AddressInfo).port,
    cut(): void {
      refusing = true;
      for (const socket of sockets) socket.destroy();
    },
    heal(): void {
      refusing = false;
    },
  };
}
