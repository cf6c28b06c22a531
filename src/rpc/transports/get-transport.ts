/**
 * oslo.messaging's `get_rpc_transport(conf, url)` and `get_notification_transport(conf, url)`
 * for a program outside the launcher: a started transport for RpcClient, RpcServer, Notifier and
 * NotificationListener. A rabbit://, amqp:// or amqps:// URL gives the AMQP transport (amqplib is
 * loaded only then); no URL gives the embedded transport of the launcher running on this host,
 * found as `oslo-node-rpc` finds it. `await transport.stop()` closes it.
 */
import { createLogger, type Logger } from '../../logging/logger.js';
import type { Config } from '../../config/options.js';
import { launcherChoice } from '../../control/launchers.js';
import { openTransport } from './open.js';
import { loadTransportConfig, type TransportConfigOptions } from './transport-config.js';
import type { Transport } from './transport.js';

export interface GetTransportOptions extends TransportConfigOptions {
  /**
   * oslo transport URL: `rabbit://user:pass@host:5672/vhost` (also `amqp://`, `amqps://`).
   * Default: `transport_url` from `config` (for notifications `[oslo_messaging_notifications]
   * transport_url` first), else the embedded transport of the launcher on this host.
   */
  readonly transportUrl?: string;
  /** Where the transport logs (default: pino JSON lines on stderr, warnings and worse). */
  readonly logger?: Logger;
  /**
   * Keep retrying a broker that is not there at start, as a service waits for it (default false:
   * reject with BrokerConnectError after one round over the hosts). Connections lost later are
   * always re-established.
   */
  readonly retryStart?: boolean;
}

/** A started transport for RPC (oslo's `get_rpc_transport`). Rejects with ConfigError, BrokerConnectError, EmbeddedTransportError. */
export async function getRpcTransport(options: GetTransportOptions = {}): Promise<Transport> {
  return await open(options, (config) => ({ url: config.transport_url, option: 'transport_url' }));
}

/**
 * A started transport for notifications (oslo's `get_notification_transport`): the URL given,
 * else `[oslo_messaging_notifications] transport_url`, else `transport_url`, else embedded.
 */
export async function getNotificationTransport(options: GetTransportOptions = {}): Promise<Transport> {
  return await open(options, (config) =>
    config.notification_transport_url
      ? { url: config.notification_transport_url, option: 'notification_transport_url' }
      : { url: config.transport_url, option: 'transport_url' },
  );
}

/** The configured URL and the option it came from (named in errors). */
type UrlOf = (config: Config) => { url: string | undefined; option: string };

async function open(options: GetTransportOptions, urlOf: UrlOf): Promise<Transport> {
  const { config, unknownFileKeys, explicit } = loadTransportConfig(options);
  const logger = options.logger ?? defaultLogger(config);
  for (const key of unknownFileKeys) logger.warn({ key }, 'config file key matches no option; ignored');
  const configured = options.transportUrl ? { url: options.transportUrl, option: 'transportUrl' } : urlOf(config);
  return await openTransport(config, configured.url || undefined, {
    logger,
    retryStart: options.retryStart ?? false,
    option: configured.option,
    choice: launcherChoice(config, explicit),
  });
}

/** Warnings and worse on stderr (stdout is the program's own); debug when the config asks. */
function defaultLogger(config: Config): Logger {
  const level = ['debug', 'trace'].includes(config.log_level) ? config.log_level : 'warn';
  return createLogger({ level, fd: 2, format: 'json' });
}
