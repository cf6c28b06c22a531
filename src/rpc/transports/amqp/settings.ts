/**
 * The AMQP transport's settings: the `[oslo_messaging_rabbit]` options (plus `control_exchange`
 * and `rpc_response_timeout`), with the transport URL's query parameters overriding them as
 * oslo does (`rabbit://h/?amqp_durable_queues=true`).
 */
import { coerceOption } from '../../../config/coerce.js';
import { iniKey } from '../../../config/option-types.js';
import { OPTIONS, type Config, type OptionName } from '../../../config/options.js';
import { ConfigError, ErrorCodes } from '../../../errors.js';
import type { TransportUrl } from './url.js';
import { SSL_VERSION_CHOICES, pinnedTlsVersion } from '../../../security/ssl-version.js';

/** Everything the AMQP transport reads from the configuration, in its own units. */
export interface AmqpSettings {
  readonly controlExchange: string;
  readonly durableQueues: boolean;
  readonly autoDelete: boolean;
  /** x-expires of reply and fanout queues, in ms (rabbit_transient_queues_ttl × 1000). */
  readonly transientQueueTtlMs: number;
  /** basic.qos on the consumer channel; 0 = none (unlimited, oslo's default). */
  readonly prefetch: number;
  readonly retryIntervalMs: number;
  readonly retryBackoffMs: number;
  readonly intervalMaxMs: number;
  /** AMQP heartbeat offered to the broker, in s; 0 = off. */
  readonly heartbeatSeconds: number;
  readonly haQueues: boolean;
  readonly quorumQueue: boolean;
  /** How long a publish waits for a reconnect while the broker is away (ms). */
  readonly publishWaitMs: number;
  /** heartbeat_rate: checks for missed heartbeats per heartbeat period. */
  readonly heartbeatRate: number;
  readonly failoverStrategy: FailoverStrategy;
  /** kombu_reconnect_delay and kombu_reconnect_splay, in ms. */
  readonly reconnectDelayMs: number;
  readonly reconnectSplayMs: number;
  readonly loginMethod: LoginMethod;
  readonly tls: BrokerTlsSettings;
}

export type FailoverStrategy = 'round-robin' | 'shuffle';
export type LoginMethod = 'AMQPLAIN' | 'PLAIN' | 'EXTERNAL';

/** [oslo_messaging_rabbit] ssl*: `enabled` = the ssl option (amqps:// URLs turn TLS on per host). */
export interface BrokerTlsSettings {
  readonly enabled: boolean;
  /** Pinned TLS version ('' = negotiate): oslo's ssl_version, validated. */
  readonly version: '' | 'TLSv1' | 'TLSv1.1' | 'TLSv1.2';
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly enforceHostname: boolean;
}

/** Options a URL query may override (oslo: any option of the [oslo_messaging_rabbit] group), by INI key. */
const URL_OVERRIDABLE = new Map<string, OptionName>(
  (Object.keys(OPTIONS) as OptionName[])
    .filter((name) => OPTIONS[name].group === 'oslo_messaging_rabbit')
    .map((name) => [iniKey(name, OPTIONS[name]), name]),
);

/** Merge the config with the URL's query; a bad or unknown query option throws ConfigError. */
export function amqpSettings(config: Config, url: TransportUrl): AmqpSettings {
  const value = (name: OptionName): unknown => {
    const raw = url.query[iniKey(name, OPTIONS[name])];
    if (raw === undefined) return config[name];
    return coerceOption(name, OPTIONS[name], raw, 'transport_url query');
  };
  for (const key of Object.keys(url.query)) {
    if (!URL_OVERRIDABLE.has(key)) {
      throw new ConfigError(ErrorCodes.CONFIG_INVALID, `transport_url query parameter ${key} is not an [oslo_messaging_rabbit] option`, {
        option: 'transport_url',
      });
    }
  }
  const haQueues = value('rabbit_ha_queues') as boolean;
  const quorumQueue = value('rabbit_quorum_queue') as boolean;
  if (haQueues && quorumQueue) {
    throw new ConfigError(ErrorCodes.CONFIG_INVALID, 'rabbit_ha_queues and rabbit_quorum_queue cannot both be set', {
      option: 'rabbit_quorum_queue',
    });
  }
  const tls = tlsSettings(value);
  const loginMethod = value('rabbit_login_method') as LoginMethod;
  if (loginMethod === 'EXTERNAL' && (!(tls.enabled || url.hosts.every((host) => host.tls)) || tls.certFile === '')) {
    throw new ConfigError(
      ErrorCodes.CONFIG_INVALID,
      'invalid value for option rabbit_login_method: EXTERNAL logs in with the TLS client certificate; set ssl = true and ssl_cert_file in [oslo_messaging_rabbit]',
      { option: 'rabbit_login_method' },
    );
  }
  return Object.freeze({
    controlExchange: config.control_exchange,
    durableQueues: value('amqp_durable_queues') as boolean,
    autoDelete: value('amqp_auto_delete') as boolean,
    transientQueueTtlMs: Math.round((value('rabbit_transient_queues_ttl') as number) * 1000),
    prefetch: value('rabbit_qos_prefetch_count') as number,
    retryIntervalMs: (value('rabbit_retry_interval') as number) * 1000,
    retryBackoffMs: (value('rabbit_retry_backoff') as number) * 1000,
    intervalMaxMs: (value('rabbit_interval_max') as number) * 1000,
    heartbeatSeconds: value('heartbeat_timeout_threshold') as number,
    haQueues,
    quorumQueue,
    publishWaitMs: config.rpc_response_timeout * 1000,
    heartbeatRate: value('heartbeat_rate') as number,
    failoverStrategy: value('kombu_failover_strategy') as FailoverStrategy,
    reconnectDelayMs: (value('kombu_reconnect_delay') as number) * 1000,
    reconnectSplayMs: (value('kombu_reconnect_splay') as number) * 1000,
    loginMethod,
    tls,
  });
}

function tlsSettings(value: (name: OptionName) => unknown): BrokerTlsSettings {
  const versionText = value('rabbit_ssl_version') as string;
  const version = pinnedTlsVersion(versionText);
  if (version === undefined) {
    throw new ConfigError(
      ErrorCodes.CONFIG_INVALID,
      `invalid value for option ssl_version: ${JSON.stringify(versionText)} (use ${SSL_VERSION_CHOICES})`,
      { option: 'rabbit_ssl_version' },
    );
  }
  return Object.freeze({
    enabled: value('rabbit_ssl') as boolean,
    version,
    caFile: value('rabbit_ssl_ca_file') as string,
    certFile: value('rabbit_ssl_cert_file') as string,
    keyFile: value('rabbit_ssl_key_file') as string,
    enforceHostname: value('rabbit_ssl_enforce_hostname_verification') as boolean,
  });
}
