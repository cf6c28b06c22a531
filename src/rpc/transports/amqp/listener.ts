/**
 * Consumers of an RPC server or a notification listener, declared, bound and consumed again after
 * every reconnect. An RPC server consumes its topic queue, its per-server queue and this
 * process's fanout queue; a notification listener its `<topic>.<priority>` (or pool) queues. On
 * a clean stop the consumers are cancelled and a random-named fanout queue is deleted (oslo does
 * the same); topic and notification queues stay, as oslo's do, and so do a queue manager's stable
 * fanout queue (the next start reuses it) and a fanout stream (the other servers read it).
 *
 * A fanout stream is consumed as oslo's Consumer does: from x-stream-offset "last" at first, then,
 * after a reconnect, from the offset after the last message this process received, and from
 * "last" again after the broker cancelled the consumer.
 */
import type { Channel, ConsumeMessage } from 'amqplib';
import type { Logger } from '../../../logging/logger.js';
import type { Delivery, Listener } from '../transport.js';
import type { AmqpConnection } from './connection.js';
import { errorText } from './connection.js';
import { AmqpDelivery } from './delivery.js';
import type { Session } from './session.js';
import {
  declareNotificationTopology,
  declareServerTopology,
  pyInt,
  type NotificationTopology,
  type QueueDecl,
  type ServerTopology,
} from './topology.js';

/** What a listener declares, consumes and deletes on stop. */
export interface ConsumerPlan {
  /** "RPC" or "notification", for log lines. */
  readonly kind: string;
  declare(channel: Channel): Promise<void>;
  /** Consumed in this order, with their consume arguments. */
  readonly queues: readonly QueueDecl[];
  readonly deleteOnStop: readonly string[];
}

/**
 * An RPC server's plan: topic, topic.server and fanout queues. oslo's close() deletes only a
 * random-named fanout queue (`deleteFanoutQueue`): not a stream, not the queue manager's.
 */
export function rpcConsumerPlan(topology: ServerTopology, topic: string, options: { deleteFanoutQueue: boolean }): ConsumerPlan {
  return {
    kind: 'RPC',
    declare: (channel) => declareServerTopology(channel, topology, topic),
    queues: [topology.topicQueue, topology.serverQueue, topology.fanoutQueue],
    deleteOnStop: options.deleteFanoutQueue ? [topology.fanoutQueue.name] : [],
  };
}

/** A notification listener's plan: its queues, none deleted on stop. */
export function notificationConsumerPlan(topology: NotificationTopology): ConsumerPlan {
  return {
    kind: 'notification',
    declare: (channel) => declareNotificationTopology(channel, topology),
    queues: topology.queues,
    deleteOnStop: [],
  };
}

/** Consumers of one plan; created by AmqpTransport.listen() and listenNotifications(). */
export interface AmqpListenerOptions {
  readonly connection: AmqpConnection;
  /** What to declare, consume and delete on stop (rpcConsumerPlan, notificationConsumerPlan). */
  readonly plan: ConsumerPlan;
  /** Called for every message delivered to one of the plan's queues. */
  readonly onRequest: (delivery: Delivery) => void;
  readonly logger: Logger;
}

export class AmqpListener implements Listener {
  readonly #connection: AmqpConnection;
  readonly #plan: ConsumerPlan;
  readonly #onRequest: (delivery: Delivery) => void;
  readonly #logger: Logger;
  #tags: { session: Session; tags: string[] } | undefined;
  #unregister: (() => void) | undefined;
  #stopping: Promise<void> | undefined;
  /** Where a fanout stream is read from on the next (re)consume. */
  #nextStreamOffset: number | 'last' = 'last';

  constructor(options: AmqpListenerOptions) {
    this.#connection = options.connection;
    this.#plan = options.plan;
    this.#onRequest = options.onRequest;
    this.#logger = options.logger;
  }

  /** Declare, bind and consume now and after every reconnect. */
  async start(): Promise<void> {
    this.#unregister = await this.#connection.addResumer((session) => this.#resume(session));
  }

  async #resume(session: Session): Promise<void> {
    if (this.#stopping) return;
    const channel = session.consumer;
    await this.#plan.declare(channel);
    const tags: string[] = [];
    this.#tags = { session, tags };
    for (const decl of this.#plan.queues) {
      const reply = await channel.consume(decl.name, (message) => this.#deliver(session, decl, message), {
        noAck: false,
        arguments: this.#consumeArguments(decl),
      });
      tags.push(reply.consumerTag);
    }
  }

  #consumeArguments(decl: QueueDecl): Record<string, unknown> | undefined {
    if (!decl.stream) return decl.consumeArguments;
    const offset = this.#nextStreamOffset;
    this.#logger.info({ queue: decl.name, offset }, 'consuming the fanout stream');
    return { 'x-stream-offset': offset === 'last' ? offset : pyInt(offset) };
  }

  #deliver(session: Session, decl: QueueDecl, message: ConsumeMessage | null): void {
    const queue = decl.name;
    if (message === null) {
      // The broker cancelled the consumer (queue deleted, node failover): start afresh. A
      // stream's offsets may not survive that (a deleted stream): read from "last", as oslo.
      if (decl.stream) this.#nextStreamOffset = 'last';
      if (this.#stopping || !session.alive) return;
      this.#logger.warn(
        { queue },
        `the broker cancelled a${this.#plan.kind === 'RPC' ? 'n' : ''} ${this.#plan.kind} consumer; reconnecting to redeclare it`,
      );
      void session.close();
      return;
    }
    if (decl.stream) {
      const offset: unknown = message.properties.headers?.['x-stream-offset'];
      if (typeof offset === 'number') this.#nextStreamOffset = offset + 1;
    }
    try {
      this.#onRequest(new AmqpDelivery(session, message));
    } catch (error) {
      // The RPC and notify layers own validation; a throw here must not take the channel down.
      this.#logger.error({ err: errorText(error), queue }, `${this.#plan.kind} message handler threw`);
    }
  }

  /** Cancel the consumers and delete the plan's temporary queues. Idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    this.#unregister?.();
    const current = this.#tags;
    this.#tags = undefined;
    if (!current?.session.alive) return;
    const channel = current.session.consumer;
    try {
      for (const tag of current.tags) await channel.cancel(tag);
      for (const queue of this.#plan.deleteOnStop) await channel.deleteQueue(queue);
    } catch (error) {
      this.#logger.warn({ err: errorText(error) }, `could not cancel ${this.#plan.kind} consumers cleanly`);
    }
  }
}
