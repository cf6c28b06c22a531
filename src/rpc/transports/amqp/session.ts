/**
 * One live AMQP connection and its two channels: a consumer channel (the RPC servers' consumers,
 * with basic.qos) and a publisher-confirm channel; the reply consumer opens a third one on the
 * same connection (reply-consumer.ts). A session never comes back after it
 * dies; the connection manager opens a new one with a higher generation, so anything holding an
 * old session (a delivery to ack) can tell it is stale.
 */
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Channel, ChannelModel } from 'amqplib';
import { AckBatch } from './ack-batch.js';
import { Publisher } from './publisher.js';

/** How long a clean close (Close → CloseOk) may take before we stop waiting for it. */
const CLOSE_TIMEOUT_MS = 2000;

/** A connected model with its channels. */
export class Session {
  /** Counts sessions of one transport: 1 for the first connection, +1 per reconnect. */
  readonly generation: number;
  readonly model: ChannelModel;
  readonly consumer: Channel;
  /** The consumer channel's acks, sent together once per turn (ack-batch.ts). */
  readonly acks: AckBatch;
  #publisher: Promise<Publisher>;
  /** The publisher #publisher resolved to, for the synchronous fast path (openPublisher). */
  #currentPublisher: Publisher | undefined;
  #alive = true;
  readonly #closed: Promise<unknown>;
  #consumerError: unknown;
  #brokerError: unknown;
  #consumerOpen = true;

  constructor({
    generation,
    model,
    consumer,
    publisher,
  }: { generation: number; model: ChannelModel; consumer: Channel; publisher: Publisher }) {
    this.generation = generation;
    this.model = model;
    this.consumer = consumer;
    this.acks = new AckBatch(consumer);
    this.#publisher = Promise.resolve(publisher);
    this.#currentPublisher = publisher;
    this.#closed = once(model, 'close').catch(() => undefined);
    consumer.on('error', (error: unknown) => {
      this.#consumerError = error;
      this.#brokerError = error;
    });
    // A 541 (e.g. RabbitMQ 4 refusing a transient queue) closes the whole connection, not a channel.
    model.on('error', (error: unknown) => this.noteBrokerError(error));
    // Nothing can be consumed or acked once the consumer channel is gone, even before the
    // connection's own close (which the manager turns into a reconnect) arrives.
    consumer.on('close', () => {
      this.#consumerOpen = false;
      this.acks.close();
    });
  }

  /** Why the broker closed the consumer channel (a 404/406 on a declare), if it did. */
  get consumerError(): unknown {
    return this.#consumerError;
  }

  /** The broker's last channel or connection error on this session (its reason for a refusal). */
  get brokerError(): unknown {
    return this.#brokerError;
  }

  /** Record a channel's error (the reply channel's, say) as the session's last broker error. */
  noteBrokerError(error: unknown): void {
    this.#brokerError = error;
  }

  /** False once the connection or the consumer channel closed. */
  get alive(): boolean {
    return this.#alive && this.#consumerOpen;
  }

  /** Mark dead; returns true the first time (so the loss is handled once). */
  markDead(): boolean {
    const was = this.#alive;
    this.#alive = false;
    return was;
  }

  /** The publisher channel when it is open and this session alive (every publish but the first after a channel error). */
  get openPublisher(): Publisher | undefined {
    const current = this.#currentPublisher;
    return current?.open && this.alive ? current : undefined;
  }

  /**
   * The publisher channel. A broker error (404/406 on a declare or publish) closes only that
   * channel; while the connection lives, a fresh one replaces it.
   */
  async publisher(): Promise<Publisher> {
    const current = await this.#publisher;
    if (current.open || !this.#alive) return current;
    const next = this.model.createConfirmChannel().then((channel) => {
      channel.on('error', () => undefined);
      const publisher = new Publisher(channel);
      this.#currentPublisher = publisher;
      return publisher;
    });
    this.#publisher = next;
    // A failed open leaves the old (closed) publisher for the next caller to retry from.
    next.catch(() => {
      if (this.#publisher === next) this.#publisher = Promise.resolve(current);
    });
    return next;
  }

  /**
   * Close channels and connection; errors are ignored (the socket may already be gone). The
   * connection's 'close' event then marks the session dead, so the loss is handled there.
   */
  async close(): Promise<void> {
    await closeModel(this.model, this.#closed);
  }
}

/**
 * Close a connection without hanging: amqplib's close() never settles when the socket died
 * first, so its 'close' event (or a bound) ends the wait too.
 */
export async function closeModel(
  model: ChannelModel,
  closed: Promise<unknown> = once(model, 'close').catch(() => undefined),
): Promise<void> {
  const timer = new AbortController();
  await Promise.race([
    model.close().catch(() => undefined),
    closed,
    sleep(CLOSE_TIMEOUT_MS, undefined, { signal: timer.signal }).catch(() => undefined),
  ]);
  timer.abort();
}
