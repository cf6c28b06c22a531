/**
 * The embedded RPC transport's primary side: every worker's IPC channel becomes a link of the
 * in-memory router, and the router listens on a 0600 unix socket for the rpc CLI.
 */
import { ConfigError } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import { EmbeddedRouter, defaultEmbeddedSocketPath } from '../rpc/transports/embedded/index.js';
import type { SupervisorPlugin } from './supervisor.js';
import type { WorkerHandle } from './worker-handle.js';

/** Start the router and its socket. `socketPath` unset: the default path, or a per-pid one if taken. */
export async function createEmbeddedPlugin(socketPath: string | undefined, logger: Logger): Promise<SupervisorPlugin & { socketPath: string }> {
  const router = new EmbeddedRouter({ logger });
  let path = socketPath ?? defaultEmbeddedSocketPath();
  try {
    await router.listen(path);
  } catch (error) {
    // Another launcher owns the default socket: take a per-launcher one rather than fail.
    if (socketPath !== undefined || !(error instanceof ConfigError)) throw error;
    const fallback = path.replace(/\.sock$/, `-${process.pid}.sock`);
    logger.warn({ taken: path, socket: fallback }, 'default embedded transport socket is in use by another launcher');
    path = fallback;
    await router.listen(path);
  }
  logger.info({ socket: path }, 'embedded RPC transport listening (single host; set transport_url for RabbitMQ)');

  const links = new Map<WorkerHandle, string>();
  return {
    socketPath: path,
    onWorker(handle) {
      const linkId = `worker-${handle.slot}-${handle.pid}`;
      links.set(handle, linkId);
      const receive = router.attach(linkId, { send: (frame) => void handle.channel.send({ type: 'transport', frame }) });
      handle.channel.handle('transport', (message) => receive(message.frame));
    },
    onWorkerExit(handle) {
      const linkId = links.get(handle);
      links.delete(handle);
      if (linkId) router.detach(linkId);
    },
    close: () => router.close(),
  };
}
