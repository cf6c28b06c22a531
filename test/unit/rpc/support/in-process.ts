/**
 * An in-process embedded router with transports linked to it by setImmediate hops, each frame
 * copied through JSON as the cluster IPC channel would. Real router, real transports. By default
 * the transports also reach each other directly, as workers do (direct.ts, over memory-peers.ts);
 * `{ direct: false }` leaves every frame to the router.
 */
import { silentLogger } from '../../../../src/logging/logger.js';
import { EmbeddedRouter } from '../../../../src/rpc/transports/embedded/router.js';
import { EmbeddedTransport, type EmbeddedTransportOptions } from '../../../../src/rpc/transports/embedded/transport.js';
import { memoryPeers, type MemoryPeers } from './memory-peers.js';

export interface InProcessBroker {
  readonly router: EmbeddedRouter;
  /** A started transport on a new link. */
  transport(options?: EmbeddedTransportOptions): Promise<EmbeddedTransport>;
  /** Drop a transport's link at the router and cut its direct connections, as when its worker dies. */
  detach(transport: EmbeddedTransport): void;
  /** Where other transports reach `transport` directly. */
  addressOf(transport: EmbeddedTransport): string | undefined;
  /** The direct connections (undefined with `direct: false`). */
  readonly peers: MemoryPeers | undefined;
  /** Frames the transports sent the router, by type. */
  readonly framesToRouter: Map<string, number>;
  /** Detach every link and stop every transport. */
  close(): Promise<void>;
}

const copy = (frame: unknown): unknown => JSON.parse(JSON.stringify(frame));

/**
 * `socketPath`: where `router.start()` serves socket clients (unset: in-process links only).
 * `direct: false`: no direct path between the transports.
 */
export function inProcessBroker(options: { socketPath?: string; direct?: boolean } = {}): InProcessBroker {
  const router = new EmbeddedRouter({ logger: silentLogger(), socketPath: options.socketPath });
  const links: { id: string; transport: EmbeddedTransport; address: () => string | undefined }[] = [];
  const peers = options.direct === false ? undefined : memoryPeers();
  const framesToRouter = new Map<string, number>();
  let seq = 0;
  return {
    router,
    peers,
    framesToRouter,
    async transport(transportOptions = {}) {
      const id = `link-${++seq}`;
      let deliver: ((frame: unknown) => void) | undefined;
      const receive = router.attach(id, { send: (frame) => setImmediate(() => deliver?.(copy(frame))) });
      const network = peers?.network();
      const transport = new EmbeddedTransport(
        {
          send: (frame) => {
            const type = (frame as { t: string }).t;
            framesToRouter.set(type, (framesToRouter.get(type) ?? 0) + 1);
            setImmediate(() => receive(copy(frame)));
          },
          onFrame: (handler) => (deliver = handler),
        },
        { peers: network, ...transportOptions },
      );
      links.push({ id, transport, address: () => network?.address });
      await transport.start();
      return transport;
    },
    addressOf(transport) {
      return links.find((entry) => entry.transport === transport)?.address();
    },
    detach(transport) {
      const link = links.find((entry) => entry.transport === transport);
      if (!link) return;
      router.detach(link.id);
      const address = link.address();
      if (address) peers?.kill(address);
    },
    async close() {
      for (const { id, transport } of links) {
        await transport.stop();
        router.detach(id);
      }
      await router.stop();
    },
  };
}
