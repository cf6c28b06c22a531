/**
 * Everything one worker runs, assembled from the configuration: the RPC transport, the service
 * (manager, RPC server, service group, periodic tasks), the HTTP service on the shared socket,
 * and the optional backdoor. A worker reports ready only once the service consumes and HTTP
 * accepts; it stops HTTP and the service in parallel, then the transport.
 */
import type { Socket } from 'node:net';
import { loggableConfig } from '../config/load.js';
import type { Config } from '../config/options.js';
import { createDemoApp } from '../demo/app.js';
import { DemoManager } from '../demo/manager.js';
import { metricsJson } from '../demo/metrics.js';
import { loadApp } from '../http/app-loader.js';
import { HttpService } from '../http/http-service.js';
import type { IpcChannel } from '../ipc/channel.js';
import type { PrimaryPayload, WorkerInit, WorkerPayload } from '../ipc/messages.js';
import type { Logger } from '../logging/logger.js';
import { loadManager } from './manager-loader.js';
import { Service } from './service.js';
import { createTransport } from './transport-factory.js';

export interface WorkerRuntime {
  start(): Promise<void>;
  handleConnection(socket: Socket): void;
  /** The manager's reset hook (SIGHUP sent to this worker). */
  reset(): Promise<void>;
  /** Graceful stop bounded by `timeoutMs`; resolves false when something had to be cut. */
  stop(reason: string, timeoutMs: number): Promise<boolean>;
}

export interface RuntimeContext {
  init: WorkerInit;
  config: Config;
  logger: Logger;
  channel: IpcChannel<PrimaryPayload, WorkerPayload>;
}

/**
 * How long a reloading worker waits for each idle keep-alive connection to stay quiet before it
 * gives the connection back to the launcher (see connection-tracker.ts).
 */
const RELOAD_IDLE_GRACE_MS = 500;

/** How long a connection given back may wait for the primary's answer. */
const HAND_BACK_ANSWER_MS = 5000;

/** Longest timer node accepts (about 24.8 days): "wait forever" in practice. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The worker's own drain bound for a stop the primary bounds by `timeoutMs` (0 = forever): a
 * little shorter, so the worker cuts what is left and exits with its log lines written before
 * the primary's SIGKILL would arrive.
 */
export function drainBound(timeoutMs: number): number {
  if (timeoutMs <= 0) return MAX_TIMER_MS;
  return Math.max(timeoutMs * 0.9, timeoutMs - 1000);
}

/** Build the runtime of this worker. */
export async function createWorkerRuntime(context: RuntimeContext): Promise<WorkerRuntime> {
  const { config, logger, channel } = context;
  const transport = await createTransport(config, channel, logger);
  const manager = config.manager ? await loadManager(config.manager) : DemoManager;
  const service = Service.create({ config, logger, transport, manager, workerSlot: context.init.slot });
  const rpc = service.rpcClient({ topic: service.topic });
  const app = config.app
    ? await loadApp(config.app, { config, logger, rpc })
    : createDemoApp({ config, logger, slot: context.init.slot, channel, service, rpc });
  const http = new HttpService({ config, logger, app });
  // Imported only when asked for: node:repl loads node's domain module, which slows TLS I/O.
  const backdoor = config.backdoor_socket
    ? new (await import('./backdoor.js')).Backdoor(config.backdoor_socket, { service, manager: service.manager, config: loggableConfig(config) }, logger)
    : undefined;
  channel.handle('periodic-assign', (message) => service.setOwnedTasks(message.tasks));
  channel.handle('metrics-json', () => metricsJson());

  return {
    async start() {
      await transport.start();
      await service.start();
      const oneWorker = service.oneWorkerTasks();
      if (oneWorker.length > 0) channel.send({ type: 'periodic-register', tasks: oneWorker });
      await http.start();
      await backdoor?.start();
      if (backdoor) logger.info({ socket: backdoor.path }, 'backdoor listening (unix socket, mode 0600)');
    },
    handleConnection: (socket) => http.handleConnection(socket),
    reset: () => service.reset(),
    async stop(reason, timeoutMs) {
      const bound = drainBound(timeoutMs);
      // On a reload the launcher keeps accepting: idle keep-alive connections go back to it for
      // the next worker once quiet. On a shutdown nothing would serve them: close at once.
      const reload = reason === 'reload';
      const idleGraceMs = reload ? RELOAD_IDLE_GRACE_MS : 0;
      // Each handle must reach the primary before this process exits (and closes the channel),
      // or the connection would close with it: wait for the primary's answers.
      const handedBack: Array<Promise<unknown>> = [];
      const handBack = reload
        ? (socket: Socket): boolean => {
            handedBack.push(channel.request({ type: 'connection-back' }, HAND_BACK_ANSWER_MS, socket).catch((error: unknown) => logger.warn({ err: error }, 'a connection given back to the launcher may be lost')));
            return true;
          }
        : undefined;
      const httpStopped = http.stop(bound, { idleGraceMs, handBack }).then(async () => {
        await Promise.all(handedBack);
        return http.stats.cut;
      });
      const cut = await Promise.all([httpStopped, service.stop(bound, { launcherStopping: reason === 'shutdown' }).then(() => 0)]);
      await backdoor?.stop();
      await transport.stop().catch((error: unknown) => logger.warn({ err: error }, 'error closing the RPC transport'));
      return cut.every((count) => count === 0);
    },
  };
}
