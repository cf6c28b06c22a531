/**
 * Exactly the exchanges and queues oslo.messaging 14.0.3 declares, with exactly its flags and
 * arguments (docs/protocol/topology.md). RabbitMQ answers a redeclare with other flags with 406
 * and closes the channel, so a Python oslo process and ours can only share a broker if every
 * field here matches; amqplib's own default (`durable: true`) is overridden everywhere.
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

/** One queue declaration. */
export interface QueueDecl {
  readonly name: string;
  readonly options: Options.AssertQueue;
}

/** The control exchange (`openstack` or Target.exchange): topic; durable/auto-delete per options. */
export function controlExchange(settings: AmqpSettings, name: string): ExchangeDecl {
  return {
    name,
    type: 'topic',
    options: { durable: settings.durableQueues || settings.quorumQueue, autoDelete: settings.autoDelete, internal: false },
  };
}

/** `<topic>_fanout`: fanout, non-durable, auto-delete. */
export function fanoutExchange(topic: string): ExchangeDecl {
  return { name: `${topic}_fanout`, type: 'fanout', options: { durable: false, autoDelete: true, internal: false } };
}

/** `<topic>` and `<topic>.<server>`: no arguments unless HA or quorum queues are configured. */
export function topicQueue(settings: AmqpSettings, name: string): QueueDecl {
  const args: Record<string, unknown> = {};
  if (settings.haQueues) args['x-ha-policy'] = 'all';
  if (settings.quorumQueue) args['x-queue-type'] = 'quorum';
  return {
    name,
    options: {
      durable: settings.durableQueues || settings.quorumQueue,
      autoDelete: settings.autoDelete,
      exclusive: false,
      arguments: args,
    },
  };
}

/** Reply and fanout queues: non-durable, not auto-delete, x-expires as an integer number of ms. */
function transientQueue(settings: AmqpSettings, name: string): QueueDecl {
  const args: Record<string, unknown> = { 'x-expires': settings.transientQueueTtlMs };
  if (settings.haQueues) args['x-ha-policy'] = 'all';
  return { name, options: { durable: false, autoDelete: false, exclusive: false, arguments: args } };
}

/** A fresh fanout queue for one server process: `<topic>_fanout_<hex32>`. */
export function fanoutQueue(settings: AmqpSettings, topic: string, suffix = hex32()): QueueDecl {
  return transientQueue(settings, `${topic}_fanout_${suffix}`);
}

/** A fresh reply queue for one client transport: `reply_<hex32>`. */
export function replyQueue(settings: AmqpSettings, suffix = hex32()): QueueDecl {
  return transientQueue(settings, `reply_${suffix}`);
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

/** The entities for a server on `topic`/`server` behind `exchange`. */
export function serverTopology(settings: AmqpSettings, exchange: string, topic: string, server: string): ServerTopology {
  return {
    exchange: controlExchange(settings, exchange),
    fanout: fanoutExchange(topic),
    topicQueue: topicQueue(settings, topic),
    serverQueue: topicQueue(settings, `${topic}.${server}`),
    fanoutQueue: fanoutQueue(settings, topic),
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
