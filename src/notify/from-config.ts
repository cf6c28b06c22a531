/**
 * The Notifier a service gets from `[oslo_messaging_notifications]`: its drivers, topics and
 * retry, on the notification transport_url when one is set (its own AMQP connection, as oslo's
 * `get_notification_transport`) or else on the RPC transport.
 */
import type { Config } from '../config/options.js';
import type { Logger } from '../logging/logger.js';
import type { Transport } from '../rpc/transports/transport.js';
import type { DriverName } from './drivers.js';
import { Notifier } from './notifier.js';

export interface ConfiguredNotifier {
  readonly notifier: Notifier;
  /** The transport notifications use when it is not the RPC one (started and stopped here). */
  readonly ownTransport: Transport | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Build (not start) the configured notifier; `rpcTransport` is used unless a separate URL is set. */
export async function notifierFromConfig(
  config: Config,
  rpcTransport: Transport,
  logger: Logger,
  publisherId: string | null = null,
): Promise<ConfiguredNotifier> {
  const drivers = config.notification_driver as readonly DriverName[];
  const needsTransport = drivers.some((name) => name === 'messaging' || name === 'messagingv2');
  const url = config.notification_transport_url;
  let ownTransport: Transport | undefined;
  if (needsTransport && url !== undefined && url !== config.transport_url) {
    const { AmqpTransport } = await import('../rpc/transports/amqp/index.js');
    ownTransport = new AmqpTransport({ url, config, logger: logger.child({ transport: 'notifications' }) });
  }
  const notifier = new Notifier(needsTransport ? (ownTransport ?? rpcTransport) : undefined, {
    publisherId,
    driver: drivers,
    topics: config.notification_topics,
    retry: config.notification_retry,
    controlExchange: config.control_exchange,
    logger,
  });
  return {
    notifier,
    ownTransport,
    start: async () => ownTransport?.start(),
    stop: async () => ownTransport?.stop(),
  };
}
