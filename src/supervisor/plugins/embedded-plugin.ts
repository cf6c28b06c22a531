/**
 * The embedded RPC transport's primary side: every worker's IPC channel becomes a link of the
 * in-memory router, and the router listens on a 0600 unix socket for the rpc CLI.
 */
import type { Logger } from '../../logging/logger.js';
import { EmbeddedRouter, defaultEmbeddedSocketPath, frameBatcher, framesOf } from '../../rpc/transports/embedded/index.js';
import type { SupervisorPlugin } from '../supervisor.js';
import type { WorkerHandle } from '../worker-handle.js';

/**
 * Start the router and its socket. `socketPath` unset: `embedded-<pid>.sock` in the private
 * runtime folder, this launcher's own (the rpc CLI finds it through the launcher's record). A
 * configured socket in use is an error (exit 2), never a silent move to another path.
 */
export async function createEmbeddedPlugin(socketPath: string | undefined, logger: Logger): Promise<SupervisorPlugin & { socketPath: string; router: EmbeddedRouter }> {
  const router = new EmbeddedRouter({ logger });
  const path = socketPath ?? defaultEmbeddedSocketPath();
  await router.start(path);
  logger.info({ socket: path }, 'embedded RPC transport listening (single host; set transport_url for RabbitMQ)');

  const links = new Map<WorkerHandle, string>();
  return {
    socketPath: path,
    router,
    onWorker(handle) {
      const linkId = `worker-${handle.slot}-${handle.pid}`;
      links.set(handle, linkId);
      const send = frameBatcher((frames) => void handle.channel.send({ type: 'transport', frames }), 'iteration');
      const receive = router.attach(linkId, { send });
      handle.channel.handle('transport', (message) => {
        for (const frame of framesOf(message)) receive(frame);
      });
    },
    onWorkerExit(handle) {
      const linkId = links.get(handle);
      links.delete(handle);
      if (linkId) router.detach(linkId);
    },
    stop: () => router.stop(),
  };
}
