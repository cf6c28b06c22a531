/**
 * What to tell the operator about the broker, in words that say what to change.
 *
 * Why the broker refused a declaration: RabbitMQ 4 configured
 * as 4.3 ships denies non-durable, non-exclusive queues (what oslo's default reply, fanout and
 * topic queues are) by closing the connection with 541 "Feature `transient_nonexcl_queues` is
 * deprecated"; a queue declared elsewhere with other flags gets 406 PRECONDITION_FAILED.
 */
import type { AmqpSettings } from './settings.js';

/** The options that make every queue durable or exclusive, given what is set already. */
export function optionsForDurableQueues(settings: AmqpSettings): string[] {
  const missing: string[] = [];
  if (!settings.quorumQueue && !settings.durableQueues) missing.push('rabbit_quorum_queue = true');
  if (!settings.transientQuorumQueue) missing.push('rabbit_transient_quorum_queue = true');
  return missing;
}

/** The broker's reason (`text`, passwords already hidden), followed by what fixes it when we know. */
export function describeRefusal(text: string, settings: AmqpSettings): string {
  if (/transient_nonexcl_queues/.test(text)) {
    const fix = optionsForDurableQueues(settings);
    const recommended = ['rabbit_quorum_queue', 'rabbit_transient_quorum_queue', 'rabbit_stream_fanout', 'use_queue_manager'].join(', ');
    return (
      `${text} — this broker denies transient (non-durable, non-exclusive) queues; ` +
      (fix.length > 0 ? `set ${fix.join(' and ')} in [oslo_messaging_rabbit]` : 'the queue was not declared by these options') +
      ` (oslo.messaging recommends ${recommended} all true on RabbitMQ 4; see docs/rabbitmq4.md)`
    );
  }
  if (/PRECONDITION_FAILED/.test(text) && /inequivalent arg/.test(text)) {
    return (
      `${text} — the queue or exchange exists with other flags or arguments: every process sharing it must use the same ` +
      'amqp_durable_queues, amqp_auto_delete, rabbit_ha_queues, rabbit_quorum_queue, rabbit_transient_quorum_queue, ' +
      'rabbit_stream_fanout and rabbit_quorum_* options (or delete the old queue)'
    );
  }
  return text;
}

/** The broker's major version from its server properties ("4.0.5" → 4), if it says. */
export function brokerMajorVersion(serverProperties: Record<string, unknown> | undefined): number | undefined {
  const match = /^(\d+)\./.exec(String(serverProperties?.version ?? ''));
  return match ? Number(match[1]) : undefined;
}

/**
 * rabbit_ha_queues asks for classic queue mirroring (x-ha-policy), which RabbitMQ 4.0 removed:
 * the warning to log, once, when such a broker answers; undefined when there is nothing to say.
 */
export function haQueuesWarning(settings: AmqpSettings, serverProperties: Record<string, unknown> | undefined): string | undefined {
  const major = brokerMajorVersion(serverProperties);
  if (!settings.haQueues || major === undefined || major < 4) return undefined;
  return (
    `rabbit_ha_queues has no effect on RabbitMQ ${String(serverProperties?.version)}: classic queue mirroring was removed in 4.0; ` +
    'use rabbit_quorum_queue (and rabbit_transient_quorum_queue) for replicated queues'
  );
}

/**
 * The broker answered the AMQP handshake with a refusal that retrying cannot fix: 403
 * ACCESS_REFUSED (user or password, or a login method it does not offer) or 530 NOT_ALLOWED (no
 * such vhost, or no permission on it).
 */
export function isLoginRefusal(text: string): boolean {
  return /ACCESS[-_]REFUSED|NOT[-_]ALLOWED|\b403\b|\b530\b/.test(text);
}

/** AMQP reply codes of a declaration the broker refuses for good until the configuration changes. */
const REFUSAL_CODES = new Set([403, 404, 405, 406, 530, 540, 541]);

/**
 * Whether a failed declaration was the broker's refusal (406 PRECONDITION_FAILED for other flags,
 * 403, 405 RESOURCE_LOCKED, 541 for a deprecated transient queue) rather than the connection
 * going away under it (a socket error, 320 CONNECTION_FORCED from a node shutting down, no broker
 * error at all) or a broker busy electing a quorum queue's leader (a "timed out" 541): those pass
 * with the next connection.
 */
export function isDeclareRefusal(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'number' || !REFUSAL_CODES.has(code)) return false;
  return !(code === 541 && /timed?[ _-]?out/i.test(String((error as { message?: unknown }).message)));
}
