/**
 * Metrics across the launcher: a worker asks the primary (an app's `launcher.metrics()`, or the
 * framework's metrics_path route), which collects every serving worker's prom-client registry
 * as JSON over IPC, adds its own (worker restarts per slot, with metrics_enabled) and merges
 * them with prom-client's aggregation (counters summed, gauges per their `aggregator`). With
 * metrics_enabled and a metrics_port, the primary serves the merged text on that port itself,
 * on metrics_host (loopback by default), with a bearer token when metrics_token is set.
 * prom-client is loaded on the first collection, not at start.
 */
import { createServer, type Server } from 'node:http';
import type promClient from 'prom-client';
import type { Config } from '../../config/options.js';
import { ConfigError, ErrorCodes, describeError } from '../../errors.js';
import type { Logger } from '../../logging/logger.js';
import { ThrottledWarning } from '../../logging/throttled-warning.js';
import { createTokenCheck } from '../../security/token-check.js';
import type { SupervisorPlugin } from '../supervisor.js';
import type { WorkerHandle } from '../worker-handle.js';

const COLLECT_TIMEOUT_MS = 5000;
/**
 * A collection asks every worker and merges their registries: costly for the launcher (2,000
 * scrapes cost it 2.6 s of CPU and slowed /healthz, issue 27, 6). Scrapes that arrive while one
 * runs share it, and its text answers for this long after it is done.
 */
export const METRICS_CACHE_MS = 1000;
const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
/**
 * Bounds of the launcher's own metrics server (issue 27, 4): it lives in the launcher, so every
 * idle socket there is a file descriptor the service port and the control socket need too.
 * Scrapers are few and quick: beyond MAX_CONNECTIONS a connection is closed at once, and a
 * connection gets HEADERS_MS for its head, REQUEST_MS for the whole request and IDLE_MS of
 * silence before it is closed.
 */
export const METRICS_SERVER_BOUNDS = { maxConnections: 16, headersMs: 5000, requestMs: 10_000, idleMs: 10_000 } as const;

type RegistryJson = promClient.MetricObjectWithValues<promClient.MetricValue<string>>[];

export interface MetricsPlugin extends SupervisorPlugin {
  /** Every worker's metrics (and the primary's), merged, in the text exposition format. */
  collect(): Promise<string>;
  /** Listen on metrics_port when configured; resolves with the port (undefined when none). */
  start(): Promise<number | undefined>;
}

export function createMetricsPlugin(config: Config, logger: Logger): MetricsPlugin {
  const handles = new Set<WorkerHandle>();
  let primary: Promise<promClient.Registry | undefined> | undefined;
  const collectNow = async (): Promise<string> => {
    const prom = (await import('prom-client')).default;
    const serving = [...handles].filter((handle) => handle.state === 'ready');
    const results = await Promise.allSettled(
      serving.map((handle) => handle.channel.request<RegistryJson>({ type: 'metrics-json' }, COLLECT_TIMEOUT_MS)),
    );
    const registries = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const own = await (primary ??= config.metrics_enabled ? primaryRegistry(handles) : Promise.resolve(undefined));
    if (own) registries.push((await own.getMetricsAsJSON()) as RegistryJson);
    return prom.AggregatorRegistry.aggregate(registries).metrics();
  };
  let current: { text: Promise<string>; doneAt: number | undefined } | undefined;
  const collect = (): Promise<string> => {
    if (current && (current.doneAt === undefined || Date.now() - current.doneAt < METRICS_CACHE_MS)) return current.text;
    const entry: { text: Promise<string>; doneAt: number | undefined } = { text: collectNow(), doneAt: undefined };
    current = entry;
    entry.text.then(
      () => (entry.doneAt = Date.now()),
      () => {
        // A failed collection is not kept: the next scrape tries again.
        if (current === entry) current = undefined;
      },
    );
    return entry.text;
  };
  let server: Server | undefined;
  return {
    collect,
    async start() {
      if (!config.metrics_enabled || config.metrics_port === 0) return undefined;
      server = await serveMetrics(config, logger, collect);
      return (server.address() as { port: number }).port;
    },
    onWorker(handle) {
      handles.add(handle);
      handle.channel.handle('metrics', collect);
    },
    onWorkerExit(handle) {
      handles.delete(handle);
    },
    async stop() {
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      server?.closeAllConnections();
    },
  };
}

/** The primary's own registry: worker restarts per slot, read from the handles at scrape time. */
async function primaryRegistry(handles: ReadonlySet<WorkerHandle>): Promise<promClient.Registry> {
  const { default: prom } = await import('prom-client');
  const registry = new prom.Registry();
  new prom.Gauge({
    name: 'oslo_node_launcher_worker_restarts',
    help: 'Restarts of each worker slot of the launcher.',
    labelNames: ['slot'],
    registers: [registry],
    collect() {
      this.reset();
      for (const handle of handles) if (handle.slot > 0) this.set({ slot: String(handle.slot) }, handle.restarts);
    },
  });
  return registry;
}

/** Serve `collect()`'s text on metrics_port at metrics_path; a port that cannot be bound is a ConfigError. */
async function serveMetrics(config: Config, logger: Logger, collect: () => Promise<string>): Promise<Server> {
  const tokenOk = config.metrics_token === undefined ? undefined : createTokenCheck(config.metrics_token);
  const server = createServer(
    {
      headersTimeout: METRICS_SERVER_BOUNDS.headersMs,
      requestTimeout: METRICS_SERVER_BOUNDS.requestMs,
      keepAliveTimeout: METRICS_SERVER_BOUNDS.headersMs,
      // Node checks the two timeouts every 30 s by default: far too late here.
      connectionsCheckingInterval: 1000,
    },
    (req, res) => {
      if (req.method !== 'GET' || (req.url ?? '/').split('?')[0] !== config.metrics_path) {
        res.writeHead(404).end();
        return;
      }
      if (tokenOk) {
        const presented = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
        if (presented === undefined || !tokenOk(presented)) {
          res.writeHead(401, { 'www-authenticate': 'Bearer' }).end();
          return;
        }
      }
      collect().then(
        (text) => res.writeHead(200, { 'content-type': CONTENT_TYPE }).end(text),
        (error: unknown) => {
          logger.warn({ err: error }, 'metrics collection failed');
          res.writeHead(503).end();
        },
      );
    },
  );
  // A connection past the cap is closed by node as soon as it is accepted.
  server.maxConnections = METRICS_SERVER_BOUNDS.maxConnections;
  // Without a 'timeout' listener node destroys a socket silent for this long.
  server.setTimeout(METRICS_SERVER_BOUNDS.idleMs);
  // A timed-out or malformed request: node's default answer left a connection that never sent
  // a byte open (node 20); close it.
  server.on('clientError', (_error, socket) => socket.destroy());
  const warnings = new ThrottledWarning(logger);
  server.on('drop', () =>
    warnings.warn({ maxConnections: METRICS_SERVER_BOUNDS.maxConnections }, 'metrics_port: too many connections; closing new ones'),
  );
  const host = config.metrics_host;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.metrics_port, host, () => resolve());
    });
  } catch (error) {
    throw new ConfigError(
      ErrorCodes.SUPERVISOR_BIND,
      `invalid value for option metrics_port: cannot listen on ${host}:${config.metrics_port}: ${describeError(error)}`,
      { option: 'metrics_port', cause: error },
    );
  }
  logger.info(
    { host, port: (server.address() as { port: number }).port, path: config.metrics_path, token: tokenOk !== undefined },
    'metrics listening',
  );
  return server;
}
