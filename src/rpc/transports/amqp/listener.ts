/**
 * An RPC server's consumers: the topic queue, the per-server queue and this process's fanout
 * queue, declared and bound as oslo does, and declared and consumed again after every reconnect.
 * On a clean stop the consumers are cancelled and the fanout queue is deleted (oslo does the
 * same); the topic queues stay, as oslo's do.
 */
import type { ConsumeMessage } from 'amqplib';
import type { Logger } from 'pino';
import type { Delivery, Listener } from '../transport.js';
import type { AmqpConnection } from './connection.js';
import { errorText } from './connection.js';
import { AmqpDelivery } from './delivery.js';
import type { Session } from './session.js';
import { declareServerTopology, type ServerTopology } from './topology.js';

/** Consumers of one RPC server; created by AmqpTransport.listen(). */
export class AmqpListener implements Listener {
  readonly #connection: AmqpConnection;
  readonly #topology: ServerTopology;
  readonly #topic: string;
  readonly #onRequest: (delivery: Delivery) => void;
  readonly #logger: Logger;
  #tags: { session: Session; tags: string[] } | undefined;
  #unregister: (() => void) | undefined;
  #stopping: Promise<void> | undefined;

  constructor(connection: AmqpConnection, topology: ServerTopology, topic: string, onRequest: (delivery: Delivery) => void, logger: Logger) {
    this.#connection = connection;
    this.#topology = topology;
    this.#topic = topic;
    this.#onRequest = onRequest;
    this.#logger = logger;
  }

  /** The fanout queue of this listener (`<topic>_fanout_<hex32>`). */
  get fanoutQueue(): string {
    return this.#topology.fanoutQueue.name;
  }

  /** Declare, bind and consume now and after every reconnect. */
  async start(): Promise<void> {
    this.#unregister = await this.#connection.addResumer((session) => this.#resume(session));
  }

  async #resume(session: Session): Promise<void> {
    if (this.#stopping) return;
    const channel = session.consumer;
    await declareServerTopology(channel, this.#topology, this.#topic);
    const tags: string[] = [];
    this.#tags = { session, tags };
    for (const queue of [this.#topology.topicQueue.name, this.#topology.serverQueue.name, this.#topology.fanoutQueue.name]) {
      const reply = await channel.consume(queue, (message) => this.#deliver(session, queue, message), { noAck: false });
      tags.push(reply.consumerTag);
    }
  }

  #deliver(session: Session, queue: string, message: ConsumeMessage | null): void {
    if (message === null) {
      // The broker cancelled the consumer (queue deleted, node failover): start afresh.
      if (this.#stopping || !session.alive) return;
      this.#logger.warn({ queue }, 'the broker cancelled an RPC consumer; reconnecting to redeclare it');
      void session.close();
      return;
    }
    try {
      this.#onRequest(new AmqpDelivery(session, message));
    } catch (error) {
      // The RPC layer owns validation; a throw here must not take the channel down with it.
      this.#logger.error({ err: errorText(error), queue }, 'RPC request handler threw');
    }
  }

  /** Cancel the consumers and delete the fanout queue. Idempotent. */
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
      await channel.deleteQueue(this.#topology.fanoutQueue.name);
    } catch (error) {
      this.#logger.warn({ err: errorText(error) }, 'could not cancel RPC consumers cleanly');
    }
  }
}
