/**
 * The AMQP transport's settings: the `[oslo_messaging_rabbit]` options (plus `control_exchange`
 * and `rpc_response_timeout`), with the transport URL's query parameters overriding them as
 * oslo does (`rabbit://h/?amqp_durable_queues=true`).
 */
import { coerceOption } from '../../../config/coerce.js';
import { iniKey } from '../../../config/option-types.js';
import { ms, secondsToMs, type SecondsOption } from '../../../config/durations.js';
import { rabbitOptionProblem } from '../../../config/load.js';
import { OPTIONS, type Config, type OptionName } from '../../../config/options.js';
import { ConfigError, ErrorCodes } from '../../../errors.js';
import type { TransportUrl } from './url.js';
import { SSL_VERSION_CHOICES, pinnedTlsVersion } from '../../../security/ssl-version.js';

/** Everything the AMQP transport reads from the configuration, in its own units. */
export interface AmqpSettings {
  readonly controlExchange: string;
  readonly durableQueues: boolean;
  readonly autoDelete: boolean;
  /** rabbit_transient_queues_ttl: x-expires of reply and fanout queues (s); a stream's x-max-age. 0 = none. */
  readonly transientQueueTtlSeconds: number;
  /** basic.qos on the consumer channel; 0 = none (unlimited, oslo's default). */
  readonly prefetch: number;
  readonly retryIntervalMs: number;
  readonly retryBackoffMs: number;
  readonly intervalMaxMs: number;
  /** AMQP heartbeat offered to the broker, in s; 0 = off. */
  readonly heartbeatSeconds: number;
  readonly haQueues: boolean;
  /** rabbit_quorum_queue: topic queues (and the control exchange) durable, x-queue-type quorum. */
  readonly quorumQueue: boolean;
  /** rabbit_transient_quorum_queue: reply and fanout queues quorum, fanout exchanges durable. */
  readonly transientQuorumQueue: boolean;
  /** rabbit_stream_fanout: one stream `<topic>_fanout` per topic. */
  readonly streamFanout: boolean;
  /** x-delivery-limit, x-max-in-memory-length, x-max-in-memory-bytes of quorum queues; 0 = unset. */
  readonly quorum: { readonly deliveryLimit: number; readonly maxMemoryLength: number; readonly maxMemoryBytes: number };
  readonly cancelOnFailover: boolean;
  /** direct_mandatory_flag: replies published mandatory. */
  readonly directMandatory: boolean;
  /** use_queue_manager's hostname and processname; undefined = random queue names. */
  readonly queueManager: { readonly hostname: string; readonly processname: string } | undefined;
  /** How long a publish waits for a reconnect while the broker is away (ms). */
  readonly publishWaitMs: number;
  /** rpc_cast_timeout: how long a cast waits for the broker and for a queue to take it (ms). */
  readonly castTimeoutMs: number;
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

/** An option's value as the URL's query sets it, else as the config does; a bad or unknown query option throws ConfigError. */
function queryOrConfig(config: Config, url: TransportUrl): (name: OptionName) => unknown {
  for (const key of Object.keys(url.query)) {
    if (!URL_OVERRIDABLE.has(key)) {
      throw new ConfigError(ErrorCodes.CONFIG_INVALID, `transport_url query parameter ${key} is not an [oslo_messaging_rabbit] option`, {
        option: 'transport_url',
      });
    }
  }
  return (name) => {
    const raw = url.query[iniKey(name, OPTIONS[name])];
    if (raw === undefined) return config[name];
    return coerceOption(name, OPTIONS[name], raw, 'transport_url query');
  };
}

/** Merge the config with the URL's query; a bad or unknown query option throws ConfigError. */
export function amqpSettings(config: Config, url: TransportUrl): AmqpSettings {
  const value = queryOrConfig(config, url);
  // A duration option as the URL query or the config sets it, in ms.
  const millis = (name: SecondsOption): number => secondsToMs(value(name) as number);
  const haQueues = value('rabbit_ha_queues') as boolean;
  const quorumQueue = value('rabbit_quorum_queue') as boolean;
  const transientQuorumQueue = value('rabbit_transient_quorum_queue') as boolean;
  const streamFanout = value('rabbit_stream_fanout') as boolean;
  const prefetch = value('rabbit_qos_prefetch_count') as number;
  const problem = rabbitOptionProblem({
    rabbit_ha_queues: haQueues,
    rabbit_quorum_queue: quorumQueue,
    rabbit_transient_quorum_queue: transientQuorumQueue,
    rabbit_stream_fanout: streamFanout,
    rabbit_qos_prefetch_count: prefetch,
  });
  if (problem) {
    throw new ConfigError(ErrorCodes.CONFIG_INVALID, `invalid value for option ${problem.option}: ${problem.message}`, {
      option: problem.option,
    });
  }
  const tls = tlsSettings(value);
  const loginMethod = checkedLoginMethod(value('rabbit_login_method') as LoginMethod, tls, url);
  return Object.freeze({
    controlExchange: config.control_exchange,
    durableQueues: value('amqp_durable_queues') as boolean,
    autoDelete: value('amqp_auto_delete') as boolean,
    transientQueueTtlSeconds: value('rabbit_transient_queues_ttl') as number,
    prefetch,
    retryIntervalMs: millis('rabbit_retry_interval'),
    retryBackoffMs: millis('rabbit_retry_backoff'),
    intervalMaxMs: millis('rabbit_interval_max'),
    heartbeatSeconds: value('heartbeat_timeout_threshold') as number,
    haQueues,
    quorumQueue,
    transientQuorumQueue,
    streamFanout,
    quorum: Object.freeze({
      deliveryLimit: value('rabbit_quorum_delivery_limit') as number,
      maxMemoryLength: value('rabbit_quorum_max_memory_length') as number,
      maxMemoryBytes: value('rabbit_quorum_max_memory_bytes') as number,
    }),
    cancelOnFailover: value('enable_cancel_on_failover') as boolean,
    directMandatory: value('direct_mandatory_flag') as boolean,
    queueManager: value('use_queue_manager')
      ? Object.freeze({ hostname: value('hostname') as string, processname: value('processname') as string })
      : undefined,
    publishWaitMs: ms(config, 'rpc_response_timeout'),
    castTimeoutMs: (value('rpc_cast_timeout') as number) * 1000,
    heartbeatRate: value('heartbeat_rate') as number,
    failoverStrategy: value('kombu_failover_strategy') as FailoverStrategy,
    reconnectDelayMs: millis('kombu_reconnect_delay'),
    reconnectSplayMs: millis('kombu_reconnect_splay'),
    loginMethod,
    tls,
  });
}

/** EXTERNAL logs in with the TLS client certificate: refuse it without TLS and a certificate. */
function checkedLoginMethod(loginMethod: LoginMethod, tls: BrokerTlsSettings, url: TransportUrl): LoginMethod {
  if (loginMethod === 'EXTERNAL' && (!(tls.enabled || url.hosts.every((host) => host.tls)) || tls.certFile === '')) {
    throw new ConfigError(
      ErrorCodes.CONFIG_INVALID,
      'invalid value for option rabbit_login_method: EXTERNAL logs in with the TLS client certificate; set ssl = true and ssl_cert_file in [oslo_messaging_rabbit]',
      { option: 'rabbit_login_method' },
    );
  }
  return loginMethod;
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
