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
  /**
   * Drop every relayed connection once, the first time the client sends bytes containing
   * `marker` (that frame not passed on); new connections are relayed as before.
   */
  dropOnceOn(marker: string): Promise<void>;
}

/** Relay `listenHost`:(free port) to the host and port of `targetUrl`. */
export async function startTcpRelay(t: TestContext, targetUrl: string, listenHost = '127.0.0.1'): Promise<TcpRelay> {
  const target = new URL(targetUrl);
  const sockets = new Set<Socket>();
  let refusing = false;
  let dropOn: { marker: Buffer; dropped: () => void } | undefined;
  const dropAll = (): void => {
    for (const socket of sockets) socket.destroy();
  };
  const server = createServer((client) => {
    if (refusing) return void client.destroy();
    const upstream = connect({ host: target.hostname, port: Number(target.port) });
    client.on('data', (chunk: Buffer) => {
      if (!dropOn || !chunk.includes(dropOn.marker)) return;
      const { dropped } = dropOn;
      dropOn = undefined;
      client.unpipe(upstream);
      dropAll();
      dropped();
    });
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
      dropAll();
    },
    heal(): void {
      refusing = false;
    },
    dropOnceOn(marker: string): Promise<void> {
      return new Promise((dropped) => (dropOn = { marker: Buffer.from(marker), dropped }));
    },
  };
}
