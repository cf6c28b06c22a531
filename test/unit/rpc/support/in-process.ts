/**
 * An in-process embedded router with transports linked to it by setImmediate hops, each frame
 * copied through JSON as the cluster IPC channel would. Real router, real transports.
 */
import { silentLogger } from '../../../../src/logging/logger.js';
import { EmbeddedRouter } from '../../../../src/rpc/transports/embedded/router.js';
import { EmbeddedTransport, type EmbeddedTransportOptions } from '../../../../src/rpc/transports/embedded/transport.js';

export interface InProcessBroker {
  readonly router: EmbeddedRouter;
  /** A started transport on a new link. */
  transport(options?: EmbeddedTransportOptions): Promise<EmbeddedTransport>;
  /** Drop a transport's link at the router, as when its worker dies. */
  detach(transport: EmbeddedTransport): void;
  /** Detach every link and stop every transport. */
  close(): Promise<void>;
}

const copy = (frame: unknown): unknown => JSON.parse(JSON.stringify(frame));

/** `socketPath`: where `router.start()` serves socket clients (unset: in-process links only). */
export function inProcessBroker(options: { socketPath?: string } = {}): InProcessBroker {
  const router = new EmbeddedRouter({ logger: silentLogger(), socketPath: options.socketPath });
  const links: { id: string; transport: EmbeddedTransport }[] = [];
  let seq = 0;
  return {
    router,
    async transport(options = {}) {
      const id = `link-${++seq}`;
      let deliver: ((frame: unknown) => void) | undefined;
      const receive = router.attach(id, { send: (frame) => setImmediate(() => deliver?.(copy(frame))) });
      const transport = new EmbeddedTransport(
        { send: (frame) => setImmediate(() => receive(copy(frame))), onFrame: (handler) => (deliver = handler) },
        options,
      );
      links.push({ id, transport });
      await transport.start();
      return transport;
    },
    detach(transport) {
      const link = links.find((entry) => entry.transport === transport);
      if (link) router.detach(link.id);
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
