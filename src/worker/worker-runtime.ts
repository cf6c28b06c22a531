/**
 * Everything one worker runs, assembled from the configuration: the RPC transport, the service
 * (manager, RPC server, service group, periodic tasks), the HTTP service on the shared socket,
 * and the optional backdoor. A worker reports ready only once the service consumes and HTTP
 * accepts; it stops HTTP and the service in parallel, then the transport.
 *
 * The manager and the app are modules: `--manager`/`--app`, else the defaults the entry wiring
 * gave the launcher (the demo, for `dist/launcher.js`), else the bare Manager and a 404 app.
 */
import type { RequestListener } from 'node:http';
import type { Socket } from 'node:net';
import { ms } from '../config/durations.js';
import { loggableConfig } from '../config/load.js';
import type { Config } from '../config/options.js';
import { loadApp, type AppContext, type LauncherView } from '../http/app-loader.js';
import { HttpService } from '../http/http-service.js';
import type { IpcChannel } from '../ipc/channel.js';
import type { PrimaryPayload, WorkerInfo, WorkerInit, WorkerPayload } from '../ipc/messages.js';
import type { Logger } from '../logging/logger.js';
import { LauncherServiceGroup } from '../servicegroup/launcher-client.js';
import { Manager, type ManagerClass } from '../service/manager.js';
import { loadManager } from '../service/manager-loader.js';
import { Service } from '../service/service.js';
import { stopHttp } from './http-drain.js';
import { withMetricsRoute, workerMetrics } from './metrics-route.js';
import { openConnections, type Connections } from './head-start.js';
import type { StopOptions } from '../lifecycle/with-timeout.js';

export interface WorkerRuntime {
  /** The service's binary (configured, or from the manager's class). */
  readonly binary: string;
  start(): Promise<void>;
  handleConnection(socket: Socket): void;
  /** What the worker is doing, for its heartbeat. */
  activity(): { httpInFlight: number; httpRequests: number };
  /** The manager's reset hook (SIGHUP sent to this worker). */
  reset(): Promise<void>;
  /** Graceful stop bounded by `timeoutMs` (0: no bound); resolves false when something had to be cut. */
  stop(options: WorkerStopOptions): Promise<boolean>;
}

/** A worker's stop: why (a signal, "reload", "scale", "shutdown", ...) and its bound. */
export interface WorkerStopOptions extends StopOptions {
  readonly reason: string;
}

export interface RuntimeContext {
  init: WorkerInit;
  config: Config;
  logger: Logger;
  channel: IpcChannel<PrimaryPayload, WorkerPayload>;
  /** Connections opened before the slot (head-start.ts); opened here when unset. */
  connections?: Connections;
}

/** How long a request to the launcher for its workers or metrics may take. */
const LAUNCHER_QUERY_MS = 10_000;

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

/** Without an app module: every path is 404 (the framework's own routes come first). */
const notFound: RequestListener = (_req, res) => {
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end('{"error":"not found"}');
};

/** The launcher as an app sees it: its workers and its merged metrics, over IPC. */
function launcherView(channel: IpcChannel<PrimaryPayload, WorkerPayload>): LauncherView {
  return {
    workers: () => channel.request<WorkerInfo[]>({ type: 'list-workers' }, LAUNCHER_QUERY_MS),
    metrics: () => channel.request<string>({ type: 'metrics' }, LAUNCHER_QUERY_MS),
  };
}

/** Build the runtime of this worker. */
export async function createWorkerRuntime(context: RuntimeContext): Promise<WorkerRuntime> {
  const { config, logger, channel, init } = context;
  const { transport, notifications, started } = context.connections ?? (await openConnections(config, channel, logger));
  const managerModule = config.manager ?? init.defaultManager;
  const manager: ManagerClass = managerModule ? await loadManager(managerModule) : Manager;
  const serviceGroup = new LauncherServiceGroup({ channel, logger, reportIntervalMs: ms(config, 'report_interval') });
  // Read at scrape time only, once everything below exists.
  const metrics = await workerMetrics(config, {
    httpInFlight: () => http.stats.inFlight,
    pool: () => service.pool.stats,
    periodic: () => service.tasks(),
  });
  const service = Service.create({
    config,
    logger,
    transport,
    manager,
    workerSlot: init.slot,
    serviceGroup,
    notifier: notifications.notifier,
    metrics: metrics?.rpc,
  });
  const rpc = service.rpcClient({ topic: service.topic });
  const launcher = launcherView(channel);
  const appContext: AppContext = { config, logger, rpc, service, workerSlot: init.slot, launcher };
  const appModule = config.app ?? init.defaultApp;
  const app = appModule ? await loadApp(appModule, appContext) : notFound;
  const http = new HttpService({ config, logger, app: withMetricsRoute(app, config, launcher, logger), metrics: metrics?.http });
  // Imported only when asked for: node:repl loads node's domain module, which slows TLS I/O.
  const backdoor = config.backdoor_socket
    ? new (await import('./backdoor.js')).Backdoor({
        path: config.backdoor_socket,
        context: { service, manager: service.manager, config: loggableConfig(config) },
        logger,
      })
    : undefined;
  channel.handle('periodic-assign', (message) => service.setOwnedTasks(message.tasks));
  // prom-client's registry of this process, for the launcher's merge; loaded on the first scrape.
  channel.handle('metrics-json', async () => (await import('prom-client')).default.register.getMetricsAsJSON());
  channel.handle('stats', () => ({ requests: http.stats.requests, inFlight: http.stats.inFlight }));

  return {
    binary: service.binary,
    async start() {
      await started;
      await service.start();
      const oneWorker = service.oneWorkerTasks();
      if (oneWorker.length > 0) channel.send({ type: 'periodic-register', tasks: oneWorker });
      await http.start();
      await backdoor?.start();
      if (backdoor) logger.info({ socket: backdoor.path }, 'backdoor listening (unix socket, mode 0600)');
    },
    handleConnection: (socket) => http.handleConnection(socket),
    activity: () => ({ httpInFlight: http.stats.inFlight, httpRequests: http.stats.requests }),
    reset: () => service.reset(),
    async stop({ reason, timeoutMs = 0 }) {
      const bound = drainBound(timeoutMs);
      const reload = reason === 'reload' || reason === 'scale' || reason === 'handover';
      let cut: number;
      if (reason === 'handover') {
        // Every worker of this launcher drains at once while another launcher serves: a request
        // still in flight here may make an RPC call that only this launcher's servers can take
        // (embedded transport), so this worker's RPC server stops after its HTTP has drained.
        const started = performance.now();
        cut = await stopHttp({ http, channel, logger, reload, boundMs: bound });
        await service.stop({ timeoutMs: Math.max(1, bound - (performance.now() - started)) });
      } else {
        // A scale-down drains like a reload: idle keep-alive connections go back to the launcher.
        [cut] = await Promise.all([stopHttp({ http, channel, logger, reload, boundMs: bound }), service.stop({ timeoutMs: bound })]);
      }
      await backdoor?.stop();
      await transport.stop().catch((error: unknown) => logger.warn({ err: error }, 'error closing the RPC transport'));
      await notifications.stop().catch((error: unknown) => logger.warn({ err: error }, 'error closing the notification transport'));
      return cut === 0;
    },
  };
}
