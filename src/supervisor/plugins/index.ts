/**
 * The primary-side pieces that follow the workers' lives: the embedded RPC router (when no
 * transport_url is set), the host's service-group reporter, `one-worker` periodic task
 * ownership, cluster-wide metrics, and systemd notifications (when NOTIFY_SOCKET is set).
 */
import type { Config } from '../../config/options.js';
import type { Logger } from '../../logging/logger.js';
import { createEmbeddedPlugin } from './embedded-plugin.js';
import { createMetricsPlugin } from './metrics-plugin.js';
import { createPeriodicPlugin } from './periodic-plugin.js';
import { createServiceGroupPlugin } from './servicegroup-plugin.js';
import { createSystemdNotifyPlugin } from './systemd-notify.js';
import type { SupervisorPlugin } from '../supervisor.js';

export interface PrimaryPlugins {
  readonly list: SupervisorPlugin[];
  stop(): Promise<void>;
}

/** Build the plugins this configuration needs; on a failure the ones built are stopped. */
export async function createPlugins(config: Config, logger: Logger): Promise<PrimaryPlugins> {
  const list: SupervisorPlugin[] = [];
  const stop = async (): Promise<void> => {
    await Promise.allSettled(list.map((plugin) => plugin.stop?.()));
  };
  try {
    const metrics = createMetricsPlugin(config, logger);
    list.push(createPeriodicPlugin(logger), metrics);
    await metrics.start();
    const embedded = config.transport_url ? undefined : await createEmbeddedPlugin(config.embedded_socket, logger);
    if (embedded) list.push(embedded);
    list.push(await createServiceGroupPlugin(config, logger, embedded?.router));
    const systemd = createSystemdNotifyPlugin({ logger, env: process.env });
    if (systemd) list.push(systemd);
  } catch (error) {
    await stop();
    throw error;
  }
  return { list, stop };
}
