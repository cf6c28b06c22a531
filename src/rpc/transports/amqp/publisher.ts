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

interface Pending {
  /** The body as published: a basic.return carries it back, which tells whose it is. */
  readonly content: Buffer;
  returned: { replyCode: number; replyText: string } | undefined;
}

/** A publish waiting for its confirm: when to give up on it, and how. */
interface Unconfirmed {
  readonly deadline: number;
  readonly expire: () => void;
}

/** oslo's message properties (amqplib options) for one mandatory flag and expiration, shared. */
const publishOptionsCache = new Map<string, Readonly<Record<string, unknown>>>();

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
  // Mandatory publishes awaiting their confirm, by exchange and routing key, oldest first. The
  // broker sends a message's basic.return before its ack, but not in step with the acks of
  // other messages: a publish routed just before its queue went away may be acked after a later
  // one to the same key was returned. So a return is matched by its content (the envelope
  // carries a per-message `_unique_id`; nothing is added to the wire), not by its order.
  readonly #mandatory = new Map<string, Pending[]>();
  // Publishes awaiting their confirm, checked against their deadlines by one timer per channel
  // rather than one timer each (a timer set and cleared per publish cost more than the rest of
  // the bookkeeping together).
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
    const key = options.mandatory ? `${options.exchange}\0${options.routingKey}` : '';
    const pending: Pending = { content, returned: undefined };
    if (options.mandatory) {
      const list = this.#mandatory.get(key);
      if (list) list.push(pending);
      else this.#mandatory.set(key, [pending]);
    }
    const forget = (): void => {
      if (!options.mandatory) return;
      const list = this.#mandatory.get(key);
      const index = list?.indexOf(pending) ?? -1;
      if (index >= 0) list!.splice(index, 1);
      if (list?.length === 0) this.#mandatory.delete(key);
    };
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const unconfirmed: Unconfirmed = {
        deadline: Date.now() + options.confirmTimeoutMs,
        expire: () => {
          settled = true;
          forget();
          reject(
            new BrokerUnavailable(`the broker did not confirm a publish to ${describe(options)} within ${options.confirmTimeoutMs} ms`),
          );
        },
      };
      const onConfirm = (error: unknown): void => {
        if (settled) return;
        settled = true;
        this.#unconfirmed.delete(unconfirmed);
        forget();
        if (error) {
          reject(new BrokerUnavailable(`publish to ${describe(options)} not confirmed: ${errorText(error)}`, { cause: error }));
        } else if (pending.returned) {
          const { replyCode, replyText } = pending.returned;
          reject(new Unroutable(`no queue is bound for ${describe(options)} (${replyCode} ${replyText})`, pending.returned));
        } else {
          resolve();
        }
      };
      this.#unconfirmed.add(unconfirmed);
      this.#sweep ??= this.#armSweep(options.confirmTimeoutMs);
      try {
        this.#channel.publish(
          options.exchange,
          options.routingKey,
          content,
          publishOptions(options.mandatory, options.expirationMs),
          onConfirm,
        );
      } catch (error) {
        // amqplib throws synchronously when the channel is already closed.
        onConfirm(error instanceof Error ? error : new BrokerUnavailable('publish failed', { cause: error }));
      }
    });
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
    for (const unconfirmed of this.#unconfirmed) {
      if (unconfirmed.deadline <= now) {
        this.#unconfirmed.delete(unconfirmed);
        unconfirmed.expire();
      } else if (unconfirmed.deadline < next) {
        next = unconfirmed.deadline;
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
    const key = `${fields.exchange}\0${fields.routingKey}`;
    // Identical bodies to one key (a repeated reply, say) are interchangeable: the oldest one.
    const { content } = message;
    const pending = this.#mandatory
      .get(key)
      ?.find((entry) => entry.returned === undefined && entry.content.length === content.length && entry.content.equals(content));
    if (pending) pending.returned = { replyCode: fields.replyCode, replyText: fields.replyText };
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
