/**
 * Everything one worker runs, assembled from the configuration: the HTTP service on the
 * shared socket and (see service.ts) the RPC service. Start order: service, then HTTP, so a
 * worker reports ready only when both serve; stop order: HTTP drain and service in parallel.
 */
import type { Socket } from 'node:net';
import type { Config } from '../config/options.js';
import type { IpcChannel } from '../ipc/channel.js';
import type { PrimaryPayload, WorkerInit, WorkerPayload } from '../ipc/messages.js';
import type { Logger } from '../logging/logger.js';
import { HttpService } from '../http/http-service.js';
import { loadApp } from '../http/app-loader.js';
import { createDemoApp } from '../demo/app.js';

export interface WorkerRuntime {
  start(): Promise<void>;
  handleConnection(socket: Socket): void;
  /** Graceful stop bounded by `timeoutMs`; resolves false when something had to be cut. */
  stop(reason: string, timeoutMs: number): Promise<boolean>;
}

export interface RuntimeContext {
  init: WorkerInit;
  config: Config;
  logger: Logger;
  channel: IpcChannel<PrimaryPayload, WorkerPayload>;
}

/** Build the runtime of this worker. */
export async function createWorkerRuntime(context: RuntimeContext): Promise<WorkerRuntime> {
  const { config, logger } = context;
  const app = config.app
    ? await loadApp(config.app, { config, logger })
    : createDemoApp({ config, logger, slot: context.init.slot, channel: context.channel });
  const http = new HttpService({ config, logger: logger.child({ component: 'http' }), app });
  return {
    start: () => http.start(),
    handleConnection: (socket) => http.handleConnection(socket),
    async stop(_reason, timeoutMs) {
      const before = http.stats;
      await http.stop(timeoutMs);
      return http.stats.inFlight === 0 || before.inFlight === 0;
    },
  };
}
