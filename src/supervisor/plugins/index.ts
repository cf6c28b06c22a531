/**
 * The primary-side pieces that follow the workers' lives: the embedded RPC router (when no
 * transport_url is set), the host's service-group reporter, `one-worker` periodic task
 * ownership, cluster-wide metrics, and systemd notifications (when NOTIFY_SOCKET is set).
 */
import type { Config } from '../../config/options.js';
import type { Logger } from '../../logging/logger.js';
import { createEmbeddedPlugin, type EmbeddedPlugin } from './embedded-plugin.js';
import { createMetricsPlugin } from './metrics-plugin.js';
import { createPeriodicPlugin } from './periodic-plugin.js';
import { createServiceGroupPlugin } from './servicegroup-plugin.js';
import { createSystemdNotifyPlugin, type SystemdNotifyPlugin } from './systemd-notify.js';
import type { SupervisorPlugin } from '../supervisor.js';

export interface PrimaryPlugins {
  readonly list: SupervisorPlugin[];
  /** The systemd notifier, when NOTIFY_SOCKET is set. */
  readonly systemd: SystemdNotifyPlugin | undefined;
  /** The embedded router's socket, when there is one (a handover passes it on). */
  readonly embedded: EmbeddedPlugin | undefined;
  stop(): Promise<void>;
}

export interface PluginOptions {
  /** This launcher replaces another (see src/launch/handover.ts). */
  readonly handover?: boolean;
  /** The embedded socket the launcher handing over passes (served when its path is ours too). */
  readonly embedded?: { fd: number; path: string };
  /** reuse_port: another launcher of this service may hold the embedded socket's path; take it over. */
  readonly replaceSockets?: boolean;
}

/** Build the plugins this configuration needs; on a failure the ones built are stopped. */
export async function createPlugins(config: Config, logger: Logger, options: PluginOptions = {}): Promise<PrimaryPlugins> {
  const list: SupervisorPlugin[] = [];
  let systemd: SystemdNotifyPlugin | undefined;
  let embedded: EmbeddedPlugin | undefined;
  const stop = async (): Promise<void> => {
    await Promise.allSettled(list.map((plugin) => plugin.stop?.()));
  };
  try {
    const metrics = createMetricsPlugin(config, logger);
    list.push(createPeriodicPlugin(logger), metrics);
    await metrics.start();
    embedded = config.transport_url
      ? undefined
      : await createEmbeddedPlugin({
          socketPath: config.embedded_socket,
          logger,
          inherited: options.embedded,
          replace: options.replaceSockets,
        });
    if (embedded) list.push(embedded);
    list.push(await createServiceGroupPlugin(config, logger, embedded?.router));
    systemd = createSystemdNotifyPlugin({ logger, env: process.env, handover: options.handover });
    if (systemd) list.push(systemd);
  } catch (error) {
    await stop();
    throw error;
  }
  return { list, systemd, embedded, stop };
}
