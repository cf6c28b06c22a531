/**
 * What the launcher checks about the RabbitMQ transport before forking (exit 2 instead of a
 * crash loop of workers): the transport URL and its query options parse, and the TLS files
 * exist, are readable and hold valid PEM.
 */
import type { Config } from '../../../config/options.js';
import { amqpSettings } from './settings.js';
import { loadBrokerTls } from './tls.js';
import { parseTransportUrl } from './url.js';

/** Throws ConfigError naming the option (and file) at fault. */
export function preflightAmqp(config: Config): void {
  if (!config.transport_url) return;
  const url = parseTransportUrl(config.transport_url);
  const settings = amqpSettings(config, url);
  if (settings.tls.enabled || url.hosts.some((host) => host.tls)) loadBrokerTls(settings.tls);
}
