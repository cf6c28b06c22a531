/**
 * The AMQP transport's settings: the `[oslo_messaging_rabbit]` options (plus `control_exchange`
 * and `rpc_response_timeout`), with the transport URL's query parameters overriding them as
 * oslo does (`rabbit://h/?amqp_durable_queues=true`).
 */
import { coerceOption } from '../../../config/coerce.js';
import { OPTIONS, type Config, type OptionName } from '../../../config/options.js';
import { ConfigError, ErrorCodes } from '../../../errors.js';
import type { TransportUrl } from './url.js';

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
}

/** Options a URL query may override (oslo: any option of the [oslo_messaging_rabbit] group). */
const URL_OVERRIDABLE = new Set<string>(
  Object.entries(OPTIONS)
    .filter(([, spec]) => spec.group === 'oslo_messaging_rabbit')
    .map(([name]) => name),
);

/** Merge the config with the URL's query; a bad or unknown query option throws ConfigError. */
export function amqpSettings(config: Config, url: TransportUrl): AmqpSettings {
  const value = (name: OptionName): unknown => {
    const raw = url.query[name];
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
  });
}
