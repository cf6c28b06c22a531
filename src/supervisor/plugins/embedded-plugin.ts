/**
 * The embedded RPC transport's primary side: every worker's IPC channel becomes a link of the
 * in-memory router, and the router listens on a 0600 unix socket for the rpc CLI.
 */
import { resolve } from 'node:path';
import type { Logger } from '../../logging/logger.js';
import {
  EmbeddedRouter,
  defaultEmbeddedSocketPath,
  frameBatcher,
  framesOf,
  removePeerSocket,
} from '../../rpc/transports/embedded/index.js';
import type { SupervisorPlugin } from '../supervisor.js';
import type { WorkerHandle } from '../worker-handle.js';

export type EmbeddedPlugin = SupervisorPlugin & {
  socketPath: string;
  router: EmbeddedRouter;
  /** The router serves the socket the launcher this one replaces passed (same path). */
  adopted: boolean;
  /** With an adopted socket: accept on it from now on (the launcher handing over accepts until then). */
  startAccepting(): Promise<void>;
};

export interface EmbeddedPluginOptions {
  /**
   * The router's socket (`embedded_socket`); unset: `embedded-<pid>.sock` in the private runtime
   * folder, this launcher's own (the rpc CLI finds it through the launcher's record). A
   * configured socket in use is an error (exit 2), never a silent move to another path.
   */
  readonly socketPath: string | undefined;
  readonly logger: Logger;
  /** The socket the launcher this one replaces passed, served if its path is ours. */
  readonly inherited?: { fd: number; path: string };
  /** reuse_port: take the path over from another launcher of this service. */
  readonly replace?: boolean;
}

/** Start the router and its socket. */
export async function createEmbeddedPlugin(options: EmbeddedPluginOptions): Promise<EmbeddedPlugin> {
  const { logger, inherited } = options;
  const path = options.socketPath ?? defaultEmbeddedSocketPath();
  const router = new EmbeddedRouter({ logger, socketPath: path });
  const adopted = inherited !== undefined && resolve(inherited.path) === resolve(path);
  let accepting: Promise<void> | undefined;
  const startAccepting = (): Promise<void> => {
    accepting ??= router.start({ inheritedFd: adopted ? inherited.fd : undefined, replace: options.replace }).then(() => {
      logger.info({ socket: path, adopted }, 'embedded RPC transport listening (single host; set transport_url for RabbitMQ)');
    });
    return accepting;
  };
  // A socket passed by the launcher this one replaces: that one accepts on it until we take over.
  if (!adopted) await startAccepting();

  const links = new Map<WorkerHandle, string>();
  return {
    socketPath: path,
    router,
    adopted,
    startAccepting,
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
      // A worker killed outright leaves its direct-path socket behind.
      const peer = linkId ? router.detach(linkId) : undefined;
      if (peer) removePeerSocket(peer);
    },
    stop: () => router.stop(),
  };
}
