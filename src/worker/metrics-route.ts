/**
 * The framework's metrics for a worker (`metrics_enabled`): the observers its parts report to,
 * and, when metrics are served on the service port (`metrics_port` 0), the app wrapped so that
 * `GET metrics_path` is answered with the launcher's merged metrics before the app sees it.
 */
import type { RequestListener } from 'node:http';
import type { Config } from '../config/options.js';
import type { LauncherView } from '../http/app-loader.js';
import type { Logger } from '../logging/logger.js';
import type { FrameworkMetrics, MetricSources } from '../metrics/framework-metrics.js';

/** The observers, or undefined when metrics are off (nothing is measured then). */
export async function workerMetrics(config: Config, sources: MetricSources): Promise<FrameworkMetrics | undefined> {
  if (!config.metrics_enabled) return undefined;
  // Imported only with metrics on (it brings prom-client), as a deployment without them never needs it.
  const { createFrameworkMetrics } = await import('../metrics/framework-metrics.js');
  return createFrameworkMetrics(sources);
}

/** `app`, answering `GET metrics_path` first when metrics are served on this port. */
export function withMetricsRoute(app: RequestListener, config: Config, launcher: LauncherView, logger: Logger): RequestListener {
  if (!config.metrics_enabled || config.metrics_port !== 0) return app;
  const path = config.metrics_path;
  return (req, res) => {
    const url = req.url ?? '/';
    if (req.method !== 'GET' || !url.startsWith(path) || (url.length > path.length && url[path.length] !== '?')) {
      app(req, res);
      return;
    }
    launcher.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
        res.end(text);
      },
      (error: unknown) => {
        logger.warn({ err: error }, 'metrics collection failed');
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end('{"error":"metrics unavailable"}');
      },
    );
  };
}
