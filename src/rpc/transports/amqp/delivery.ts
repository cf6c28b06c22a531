/**
 * A message delivered on a session's consumer channel. Acking a delivery tag on any other channel
 * than the one that delivered it closes that channel with 406 PRECONDITION_FAILED, so ack and
 * reject do nothing once the session is gone (the broker has requeued the message already).
 */
import type { ConsumeMessage } from 'amqplib';
import type { Delivery } from '../transport.js';
import type { Session } from './session.js';

/** A Delivery bound to the session (and so the channel) it arrived on. */
export class AmqpDelivery implements Delivery {
  readonly body: Buffer;
  readonly contentType: string | undefined;
  readonly #message: ConsumeMessage;
  readonly #session: Session;
  #settled = false;

  constructor(session: Session, message: ConsumeMessage) {
    this.#session = session;
    this.#message = message;
    session.acks.delivered(message.fields.deliveryTag);
    this.body = message.content;
    const contentType: unknown = message.properties.contentType;
    this.contentType = typeof contentType === 'string' ? contentType : undefined;
  }

  /** The session generation this delivery came from. */
  get generation(): number {
    return this.#session.generation;
  }

  /** Acked at the end of this turn, with the turn's other acks (ack-batch.ts). */
  ack(): void {
    if (!this.#take()) return;
    this.#session.acks.ack(this.#message.fields.deliveryTag);
  }

  reject(): void {
    if (!this.#take()) return;
    this.#session.acks.settled(this.#message.fields.deliveryTag);
    try {
      this.#session.consumer.reject(this.#message, false);
    } catch {
      // As for ack: a closing connection; the broker requeues the message.
    }
  }

  requeue(): void {
    if (!this.#take()) return;
    this.#session.acks.settled(this.#message.fields.deliveryTag);
    try {
      this.#session.consumer.reject(this.#message, true);
    } catch {
      // As for ack: a closing connection; the broker requeues the message anyway.
    }
  }

  // True exactly once, and only while the delivering channel is still open.
  #take(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    return this.#session.alive;
  }
}
