/**
 * Exactly the exchanges and queues oslo.messaging 16.1 declares (impl_rabbit.py: Consumer,
 * _get_queue_arguments, declare_*_consumer, *_send), with exactly its flags and arguments for
 * every combination of amqp_durable_queues, amqp_auto_delete, rabbit_ha_queues,
 * rabbit_quorum_queue, rabbit_transient_quorum_queue, rabbit_stream_fanout and the quorum
 * limits (docs/protocol/topology.md for the defaults). RabbitMQ answers a redeclare with other
 * flags with 406 and closes the channel, so a Python oslo process and ours can only share a
 * broker if every field here matches; amqplib's own default (`durable: true`) is overridden
 * everywhere.
 */
import type { Channel, Options } from 'amqplib';
import { hex32 } from '../../ids.js';
import type { AmqpSettings } from './settings.js';

/** One exchange declaration. */
export interface ExchangeDecl {
  readonly name: string;
  readonly type: 'topic' | 'fanout';
  readonly options: Options.AssertExchange;
}

/** One queue declaration, with the arguments its consumers pass to basic.consume. */
export interface QueueDecl {
  readonly name: string;
  readonly options: Options.AssertQueue;
  readonly consumeArguments: Record<string, unknown> | undefined;
  /** A stream queue: consumed with x-stream-offset, never deleted by a stopping server. */
  readonly stream?: boolean;
}

/** What _get_queue_arguments() is given for one queue kind. */
interface QueueKind {
  readonly quorum: boolean;
  readonly ttlSeconds: number;
  readonly stream: boolean;
}

/** An integer table value typed as py-amqp sends it ('I' signedint, 'l' beyond 32 bits). */
export interface PyInt {
  readonly '!': 'int' | 'long';
  readonly value: number;
}

/**
 * `value` typed as py-amqp encodes a Python int. amqplib would pick the smallest type (a delivery
 * limit of 5 as a byte), which RabbitMQ stores and lists as declared: the same argument would
 * then differ between a Python process's queue and ours.
 */
export function pyInt(value: number): PyInt {
  return { '!': Math.abs(value) <= 0x7fffffff ? 'int' : 'long', value };
}

/**
 * oslo's _get_queue_arguments(): x-ha-policy, x-queue-type and the quorum limits, x-expires;
 * a stream queue only x-queue-type and x-max-age (a string, "<ttl>s").
 */
export function queueArguments(settings: AmqpSettings, kind: QueueKind): Record<string, unknown> {
  if (kind.stream) {
    return kind.ttlSeconds > 0 ? { 'x-queue-type': 'stream', 'x-max-age': `${kind.ttlSeconds}s` } : { 'x-queue-type': 'stream' };
  }
  const args: Record<string, unknown> = {};
  if (settings.haQueues) args['x-ha-policy'] = 'all';
  if (kind.quorum) {
    args['x-queue-type'] = 'quorum';
    if (settings.quorum.deliveryLimit) args['x-delivery-limit'] = pyInt(settings.quorum.deliveryLimit);
    if (settings.quorum.maxMemoryLength) args['x-max-in-memory-length'] = pyInt(settings.quorum.maxMemoryLength);
    if (settings.quorum.maxMemoryBytes) args['x-max-in-memory-bytes'] = pyInt(settings.quorum.maxMemoryBytes);
  }
  if (kind.ttlSeconds > 0) args['x-expires'] = pyInt(kind.ttlSeconds * 1000);
  return args;
}

/** oslo's Consumer.declare(): x-cancel-on-ha-failover when enabled (a stream overrides it). */
function consumeArguments(settings: AmqpSettings): Record<string, unknown> | undefined {
  return settings.cancelOnFailover ? { 'x-cancel-on-ha-failover': true } : undefined;
}

/** oslo's Connection.durable: topic queues and the control exchange. */
function durable(settings: AmqpSettings): boolean {
  return settings.durableQueues || settings.quorumQueue;
}

/** The control exchange (`openstack` or Target.exchange): topic; durable/auto-delete per options. */
export function controlExchange(settings: AmqpSettings, name: string): ExchangeDecl {
  return { name, type: 'topic', options: { durable: durable(settings), autoDelete: settings.autoDelete, internal: false } };
}

/** `<topic>_fanout`: fanout, auto-delete; durable with transient quorum queues (and streams). */
export function fanoutExchange(settings: AmqpSettings, topic: string): ExchangeDecl {
  const isDurable = settings.transientQuorumQueue || settings.streamFanout;
  return { name: `${topic}_fanout`, type: 'fanout', options: { durable: isDurable, autoDelete: true, internal: false } };
}

/** `<topic>` and `<topic>.<server>`: no x-expires; quorum with rabbit_quorum_queue. */
export function topicQueue(settings: AmqpSettings, name: string): QueueDecl {
  return {
    name,
    options: {
      durable: durable(settings),
      autoDelete: settings.autoDelete,
      exclusive: false,
      arguments: queueArguments(settings, { quorum: settings.quorumQueue, ttlSeconds: 0, stream: false }),
    },
    consumeArguments: consumeArguments(settings),
  };
}

/** Reply and fanout queues: x-expires; quorum and durable with rabbit_transient_quorum_queue. */
function transientQueue(settings: AmqpSettings, name: string): QueueDecl {
  const quorum = settings.transientQuorumQueue;
  return {
    name,
    options: {
      durable: quorum,
      autoDelete: false,
      exclusive: false,
      arguments: queueArguments(settings, { quorum, ttlSeconds: settings.transientQueueTtlSeconds, stream: false }),
    },
    consumeArguments: consumeArguments(settings),
  };
}

/**
 * The fanout queue of one server process: `<topic>_fanout_<suffix>` (a random hex32, or the
 * queue manager's name); with rabbit_stream_fanout the one stream `<topic>_fanout` that every
 * server of the topic reads (x-stream-offset is added per consumer, see listener.ts).
 */
export function fanoutQueue(settings: AmqpSettings, topic: string, suffix: () => string = hex32): QueueDecl {
  if (!settings.streamFanout) return transientQueue(settings, `${topic}_fanout_${suffix()}`);
  return {
    name: `${topic}_fanout`,
    options: {
      durable: true,
      autoDelete: false,
      exclusive: false,
      arguments: queueArguments(settings, { quorum: false, ttlSeconds: settings.transientQueueTtlSeconds, stream: true }),
    },
    consumeArguments: undefined,
    stream: true,
  };
}

/** The reply queue of one client transport: `reply_<suffix>` (hex32, or the queue manager's name). */
export function replyQueue(settings: AmqpSettings, suffix: () => string = hex32): QueueDecl {
  return transientQueue(settings, `reply_${suffix()}`);
}

/** Declare an exchange on `channel`. */
export async function declareExchange(channel: Channel, decl: ExchangeDecl): Promise<void> {
  await channel.assertExchange(decl.name, decl.type, decl.options);
}

/** Declare a queue on `channel`. */
export async function declareQueue(channel: Channel, decl: QueueDecl): Promise<void> {
  await channel.assertQueue(decl.name, decl.options);
}

/** The three queues of an RPC server and their bindings (what oslo's server declares). */
export interface ServerTopology {
  readonly exchange: ExchangeDecl;
  readonly fanout: ExchangeDecl;
  readonly topicQueue: QueueDecl;
  readonly serverQueue: QueueDecl;
  readonly fanoutQueue: QueueDecl;
}

/** The entities for a server on `topic`/`server` behind `exchange`; `suffix` names its fanout queue. */
export function serverTopology(
  settings: AmqpSettings,
  exchange: string,
  topic: string,
  server: string,
  suffix: () => string = hex32,
): ServerTopology {
  return {
    exchange: controlExchange(settings, exchange),
    fanout: fanoutExchange(settings, topic),
    topicQueue: topicQueue(settings, topic),
    serverQueue: topicQueue(settings, `${topic}.${server}`),
    fanoutQueue: fanoutQueue(settings, topic, suffix),
  };
}

/**
 * The default queue a notification sender declares (oslo's `_publish_and_creates_default_queue`):
 * named after the routing key `<topic>.<priority>`, flags and arguments of a topic queue.
 */
export function notificationQueue(settings: AmqpSettings, topic: string): QueueDecl {
  return topicQueue(settings, topic);
}

/**
 * A notification listener's queues (oslo's `listen_for_notifications`): per binding a topic
 * consumer on `<topic>.<priority>`, whose queue is that name or, in a pool, the pool's name.
 */
export interface NotificationTopology {
  readonly exchanges: readonly ExchangeDecl[];
  readonly queues: readonly QueueDecl[];
  /** queue, exchange, routing key */
  readonly bindings: ReadonlyArray<readonly [string, string, string]>;
}

export function notificationTopology(
  settings: AmqpSettings,
  bindings: ReadonlyArray<{ readonly exchange: string; readonly topic: string }>,
  pool: string | undefined,
): NotificationTopology {
  const exchanges = new Map<string, ExchangeDecl>();
  const queues = new Map<string, QueueDecl>();
  const binds: Array<readonly [string, string, string]> = [];
  for (const { exchange, topic } of bindings) {
    const queue = pool ?? topic;
    if (!exchanges.has(exchange)) exchanges.set(exchange, controlExchange(settings, exchange));
    if (!queues.has(queue)) queues.set(queue, topicQueue(settings, queue));
    binds.push([queue, exchange, topic]);
  }
  return { exchanges: [...exchanges.values()], queues: [...queues.values()], bindings: binds };
}

/** Declare and bind a notification listener's queues. */
export async function declareNotificationTopology(channel: Channel, topology: NotificationTopology): Promise<void> {
  for (const exchange of topology.exchanges) await declareExchange(channel, exchange);
  for (const queue of topology.queues) await declareQueue(channel, queue);
  for (const [queue, exchange, key] of topology.bindings) await channel.bindQueue(queue, exchange, key);
}

/** Declare and bind everything in `topology`; binding keys as oslo: `<topic>`, `<topic>.<server>`, `<topic>`. */
export async function declareServerTopology(channel: Channel, topology: ServerTopology, topic: string): Promise<void> {
  await declareExchange(channel, topology.exchange);
  await declareQueue(channel, topology.topicQueue);
  await channel.bindQueue(topology.topicQueue.name, topology.exchange.name, topology.topicQueue.name);
  await declareQueue(channel, topology.serverQueue);
  await channel.bindQueue(topology.serverQueue.name, topology.exchange.name, topology.serverQueue.name);
  await declareExchange(channel, topology.fanout);
  await declareQueue(channel, topology.fanoutQueue);
  await channel.bindQueue(topology.fanoutQueue.name, topology.fanout.name, topic);
}
