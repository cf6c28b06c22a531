/**
 * One publisher-confirm channel (oslo's connections all use confirms). A publish resolves when
 * the broker acks it; a mandatory publish that the broker returns (basic.return comes before
 * the ack of the same message on the same channel) rejects with Unroutable, a
 * MessageDeliveryFailure like kombu's MessageUndeliverable. Exchanges are declared once per
 * channel before the first publish to them, as oslo's senders do.
 */
import type { ConfirmChannel, Message } from 'amqplib';
import { MessageDeliveryFailure } from '../../errors.js';
import { BrokerUnavailable, Unroutable } from './errors.js';
import { declareExchange, declareQueue, type ExchangeDecl, type QueueDecl } from './topology.js';

/** What one publish needs besides the body. */
export interface PublishOptions {
  readonly exchange: string;
  readonly routingKey: string;
  /** Declared (once per channel) before publishing; undefined for the default exchange. */
  readonly declare: ExchangeDecl | undefined;
  /** Notifications: a queue declared (once per channel) and bound to `exchange` with `routingKey`. */
  readonly declareQueue?: QueueDecl;
  readonly mandatory: boolean;
  /** AMQP expiration in ms (calls only). */
  readonly expirationMs: number | undefined;
  /** Longest wait for the broker's confirm. */
  readonly confirmTimeoutMs: number;
}

/**
 * A publish waiting for its confirm: one object per publish, with no closure of its own but the
 * confirm callback amqplib needs (the bookkeeping had been five closures, a per-key list and a
 * per-key string a publish).
 */
class Unconfirmed {
  /** The body as published: a basic.return carries it back, which tells whose it is. */
  readonly content: Buffer;
  readonly options: PublishOptions;
  /** When to give up on the confirm (Date.now() ms). */
  readonly deadline: number;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  /** Set by the broker's basic.return of this publish (mandatory only), before its confirm. */
  returned: { replyCode: number; replyText: string } | undefined;

  constructor(content: Buffer, options: PublishOptions, resolve: () => void, reject: (error: Error) => void) {
    this.content = content;
    this.options = options;
    this.deadline = Date.now() + options.confirmTimeoutMs;
    this.resolve = resolve;
    this.reject = reject;
    this.returned = undefined;
  }
}

/** oslo's message properties (amqplib options) for one mandatory flag and expiration, shared. */
const publishOptionsCache = new Map<string, Readonly<Record<string, unknown>>>();
/** The properties of a PublishOptions the transport reuses (a call target's, a reply queue's). */
const propertiesOf = new WeakMap<PublishOptions, Readonly<Record<string, unknown>>>();

function propertiesFor(options: PublishOptions): Readonly<Record<string, unknown>> {
  let properties = propertiesOf.get(options);
  if (!properties) {
    properties = publishOptions(options.mandatory, options.expirationMs);
    propertiesOf.set(options, properties);
  }
  return properties;
}

function publishOptions(mandatory: boolean, expirationMs: number | undefined): Readonly<Record<string, unknown>> {
  const expiration = expirationMs === undefined ? undefined : String(Math.trunc(expirationMs));
  const key = `${mandatory ? 1 : 0}${expiration ?? ''}`;
  let options = publishOptionsCache.get(key);
  if (!options) {
    // amqplib copies what it needs and never writes to these (its headers inherit from ours).
    const headers = Object.freeze({});
    options = Object.freeze({
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      deliveryMode: 2,
      priority: 0,
      headers,
      mandatory,
      ...(expiration === undefined ? {} : { expiration }),
    });
    if (publishOptionsCache.size >= 64) publishOptionsCache.clear();
    publishOptionsCache.set(key, options);
  }
  return options;
}

/** A ConfirmChannel with return tracking and an exchange-declaration cache. */
export class Publisher {
  readonly #channel: ConfirmChannel;
  readonly #declared = new Map<string, Promise<void>>();
  readonly #declaredQueues = new Map<string, Promise<void>>();
  /** Exchanges whose declaration has completed: publishes to them need not wait on a promise. */
  readonly #ready = new Set<string>();
  // Publishes awaiting their confirm, oldest first, checked against their deadlines by one timer
  // per channel rather than one timer each (a timer set and cleared per publish cost more than
  // the rest of the bookkeeping together). A basic.return is matched against the mandatory ones
  // among them: the broker sends a message's return before its ack, but not in step with the
  // acks of other messages (a publish routed just before its queue went away may be acked after
  // a later one to the same key was returned), so by exchange, routing key and content (the
  // envelope carries a per-message `_unique_id`; nothing is added to the wire), not by order.
  readonly #unconfirmed = new Set<Unconfirmed>();
  #sweep: NodeJS.Timeout | undefined;
  #closed = false;
  #closeCode: unknown;

  constructor(channel: ConfirmChannel) {
    this.#channel = channel;
    channel.on('return', (message: Message) => this.#onReturn(message));
    channel.on('close', () => {
      this.#closed = true;
    });
    channel.on('error', (error: unknown) => {
      this.#closeCode = (error as { code?: unknown }).code;
    });
  }

  /**
   * True when the broker closed the channel with 404 NOT_FOUND: an exchange we had declared is
   * gone (a fanout exchange auto-deletes with its last queue). oslo retries on a new channel,
   * which declares it again; so do we.
   */
  get lostExchange(): boolean {
    return this.#closed && this.#closeCode === 404;
  }

  /** False once the channel closed (broker error, connection loss, stop). */
  get open(): boolean {
    return !this.#closed;
  }

  /** Publish `body` and wait for the broker's confirm. */
  publish(body: string, options: PublishOptions): Promise<void> {
    const decl = options.declare;
    if ((decl && !this.#ready.has(decl.name)) || options.declareQueue) return this.#declareAndPublish(body, options);
    return this.#publish(body, options);
  }

  async #declareAndPublish(body: string, options: PublishOptions): Promise<void> {
    if (options.declare) {
      try {
        await this.#declare(options.declare);
      } catch (error) {
        throw new MessageDeliveryFailure(`cannot declare exchange "${options.declare.name}": ${errorText(error)}`, { cause: error });
      }
    }
    if (options.declareQueue) {
      try {
        await this.#declareQueue(options.declareQueue, options.exchange, options.routingKey);
      } catch (error) {
        throw new MessageDeliveryFailure(`cannot declare queue "${options.declareQueue.name}": ${errorText(error)}`, { cause: error });
      }
    }
    return this.#publish(body, options);
  }

  #publish(body: string, options: PublishOptions): Promise<void> {
    const content = Buffer.from(body, 'utf8');
    return new Promise<void>((resolve, reject) => {
      const entry = new Unconfirmed(content, options, resolve, reject);
      this.#unconfirmed.add(entry);
      this.#sweep ??= this.#armSweep(options.confirmTimeoutMs);
      try {
        this.#channel.publish(options.exchange, options.routingKey, content, propertiesFor(options), (error: unknown) =>
          this.#confirmed(entry, error),
        );
      } catch (error) {
        // amqplib throws synchronously when the channel is already closed.
        this.#confirmed(entry, error instanceof Error ? error : new BrokerUnavailable('publish failed', { cause: error }));
      }
    });
  }

  /** The broker's confirm (or amqplib's failure) of `entry`; nothing once it expired. */
  #confirmed(entry: Unconfirmed, error: unknown): void {
    if (!this.#unconfirmed.delete(entry)) return;
    if (error) {
      entry.reject(new BrokerUnavailable(`publish to ${describe(entry.options)} not confirmed: ${errorText(error)}`, { cause: error }));
    } else if (entry.returned) {
      const { replyCode, replyText } = entry.returned;
      entry.reject(new Unroutable(`no queue is bound for ${describe(entry.options)} (${replyCode} ${replyText})`, entry.returned));
    } else {
      entry.resolve();
    }
  }

  /** One unref'd timer at the earliest deadline (a pending publish has the socket to keep the process up). */
  #armSweep(afterMs: number): NodeJS.Timeout {
    const timer = setTimeout(() => this.#expire(), Math.max(1, afterMs));
    timer.unref();
    return timer;
  }

  /** Fail publishes past their deadline; re-arm for the earliest one left. */
  #expire(): void {
    this.#sweep = undefined;
    const now = Date.now();
    let next = Number.POSITIVE_INFINITY;
    for (const entry of this.#unconfirmed) {
      if (entry.deadline <= now) {
        this.#unconfirmed.delete(entry);
        const { options } = entry;
        entry.reject(
          new BrokerUnavailable(`the broker did not confirm a publish to ${describe(options)} within ${options.confirmTimeoutMs} ms`),
        );
      } else if (entry.deadline < next) {
        next = entry.deadline;
      }
    }
    if (next !== Number.POSITIVE_INFINITY) this.#sweep = this.#armSweep(next - now);
  }

  #declare(decl: ExchangeDecl): Promise<void> {
    let declared = this.#declared.get(decl.name);
    if (!declared) {
      declared = declareExchange(this.#channel, decl);
      // A failed declare closes the channel; the next channel declares again.
      declared.then(
        () => this.#ready.add(decl.name),
        () => this.#declared.delete(decl.name),
      );
      this.#declared.set(decl.name, declared);
    }
    return declared;
  }

  #declareQueue(queue: QueueDecl, exchange: string, key: string): Promise<void> {
    const id = `${exchange}\0${key}`;
    let declared = this.#declaredQueues.get(id);
    if (!declared) {
      declared = (async () => {
        await declareQueue(this.#channel, queue);
        await this.#channel.bindQueue(queue.name, exchange, key);
      })();
      declared.catch(() => this.#declaredQueues.delete(id));
      this.#declaredQueues.set(id, declared);
    }
    return declared;
  }

  #onReturn(message: Message): void {
    const fields = message.fields as unknown as { exchange: string; routingKey: string; replyCode: number; replyText: string };
    // Identical bodies to one key (a repeated reply, say) are interchangeable: the oldest one.
    // Returns are rare (a missing queue): a scan of the publishes in flight is enough.
    const { content } = message;
    for (const entry of this.#unconfirmed) {
      const { options } = entry;
      if (
        options.mandatory &&
        entry.returned === undefined &&
        options.exchange === fields.exchange &&
        options.routingKey === fields.routingKey &&
        entry.content.length === content.length &&
        entry.content.equals(content)
      ) {
        entry.returned = { replyCode: fields.replyCode, replyText: fields.replyText };
        return;
      }
    }
  }

  /** Close the channel; unconfirmed publishes reject. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#channel.close().catch(() => undefined);
  }
}

function describe(options: PublishOptions): string {
  return `exchange "${options.exchange}" routing key "${options.routingKey}"`;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
