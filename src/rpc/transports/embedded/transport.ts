/**
 * The worker side of the embedded transport: the Transport interface over a frame link to the
 * launcher's router (the cluster IPC channel in workers, a unix socket in the rpc CLI). Same
 * topology as AMQP (transport.ts), so the RPC layer cannot tell the two apart.
 */
import { EventEmitter } from 'node:events';
import { ClosedError, ErrorCodes, OsloNodeError } from '../../../errors.js';
import { silentLogger, type Logger } from '../../../logging/logger.js';
import { MessageDeliveryFailure } from '../../errors.js';
import { hex32 } from '../../ids.js';
import type { Target } from '../../target.js';
import type { Delivery, Listener, NotificationBinding, NotifyRequest, PublishRequest, Transport } from '../transport.js';
import { EmbeddedDelivery, type Settlement } from './delivery.js';
import { DirectPath, type ConsumerHandler, type DirectMessage } from './direct.js';
import { parseRouterFrame, type ClientFrame } from './frames.js';
import type { PeerNetwork } from './peer-link.js';
import { TIMED_OUT, withTimeout } from '../../../lifecycle/with-timeout.js';

/** The link to the router. `onClose` and `close` exist for socket links. */
export interface EmbeddedLink {
  send(frame: unknown): void;
  onFrame(handler: (frame: unknown) => void): void;
  onClose?(handler: (error?: Error) => void): void;
  close?(): void;
}

export interface EmbeddedTransportOptions {
  readonly logger?: Logger;
  /** Unacked deliveries per server consumer (128): bounds what waits in a server for a slot. */
  readonly prefetch?: number;
  /** How long start() waits for the router to answer, ms (10000). */
  readonly startTimeoutMs?: number;
  /**
   * How this worker reaches other workers directly: calls and their replies then go between
   * the two workers instead of through the router (direct.ts). Unset: everything through the router.
   */
  readonly peers?: PeerNetwork;
}

/** The router did not answer, or the link is gone. */
export class EmbeddedTransportError extends OsloNodeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCodes.RPC_EMBEDDED, message, options);
  }
}

/** How long stop() waits for the router to drop this transport's consumers. */
const RESET_TIMEOUT_MS = 2000;
/** What a publish that went directly returns: nobody waits for its confirm (PublishRequest.confirmLate). */
const SENT: Promise<void> = Promise.resolve();

type Operation = ClientFrame extends infer F ? (F extends { id: number } ? Omit<F, 'id'> : never) : never;

interface PendingOp {
  resolve(): void;
  reject(error: Error): void;
}

/** Transport over the launcher's embedded router. */
export class EmbeddedTransport extends EventEmitter implements Transport {
  readonly kind = 'embedded' as const;
  /** No Python peer reads this transport: the message as plain JSON (envelope.ts). */
  readonly bodyFormat = 'plain' as const;
  readonly #link: EmbeddedLink;
  readonly #logger: Logger;
  readonly #prefetch: number;
  readonly #startTimeoutMs: number;
  readonly #pending = new Map<number, PendingOp>();
  /** Quiet publishes (frames.ts) waiting for their confirmation, in id order. */
  readonly #unconfirmed = new Map<number, PendingOp>();
  readonly #consumers = new Map<string, ConsumerHandler>();
  readonly #direct: DirectPath | undefined;
  #replyQueueName: string | undefined;
  #onReply: ((body: Buffer | string) => void) | undefined;
  #seq = 0;
  #tagSeq = 0;
  #connected = false;
  #closed = false;
  #starting: Promise<void> | undefined;
  #replyQueue: Promise<string> | undefined;
  /** Notification queues this transport declared and bound (oslo: once per connection). */
  readonly #notificationQueues = new Map<string, Promise<void>>();

  constructor(link: EmbeddedLink, options: EmbeddedTransportOptions = {}) {
    super();
    this.#link = link;
    this.#logger = (options.logger ?? silentLogger()).child({ component: 'embedded-transport' });
    this.#prefetch = options.prefetch ?? 128;
    this.#startTimeoutMs = options.startTimeoutMs ?? 10_000;
    link.onFrame((raw) => this.#onFrame(raw));
    link.onClose?.((error) => this.#onClose(error));
    if (options.peers) {
      const transport = this;
      this.#direct = new DirectPath(options.peers, {
        logger: this.#logger,
        consumer: (tag) => this.#consumers.get(tag),
        get replyQueueName() {
          return transport.#replyQueueName;
        },
        onReply: (body) => this.#onReply?.(body),
        republish: (message) => this.#republish(message),
        watch: (exchange, key) => this.#op({ t: 'watch', exchange, key }),
      });
    }
  }

  get connected(): boolean {
    return this.#connected;
  }

  /** Say hello to the router; rejects when it does not answer in time. Runs once. */
  start(): Promise<void> {
    this.#starting ??= (async () => {
      const peer = await this.#direct?.start();
      if ((await withTimeout(this.#op(peer === undefined ? { t: 'hello' } : { t: 'hello', peer }), this.#startTimeoutMs)) === TIMED_OUT) {
        throw new EmbeddedTransportError(`the embedded router did not answer within ${this.#startTimeoutMs} ms`);
      }
      this.#connected = true;
      this.emit('connected');
    })();
    return this.#starting;
  }

  /** Drop this transport's consumers and queues at the router, then close the link. Idempotent. */
  async stop(): Promise<void> {
    if (this.#closed) return;
    if (this.#connected) {
      // Bounded: a router that dropped this link never answers.
      await withTimeout(
        this.#op({ t: 'reset' }).catch(() => undefined),
        RESET_TIMEOUT_MS,
      );
    }
    this.#closed = true;
    this.#connected = false;
    this.#direct?.close();
    this.#failPending(new ClosedError('embedded transport'));
    this.#consumers.clear();
    this.#link.close?.();
  }

  publish(request: PublishRequest): Promise<void> {
    const { target } = request;
    const fanout = target.fanout === true;
    const quiet = request.confirmLate === true;
    const exchange = fanout ? `${target.topic}_fanout` : target.exchange;
    const key = fanout ? '' : target.server ? `${target.topic}.${target.server}` : target.topic;
    // A call (nobody waits for its confirm) straight to a server when the router told us one.
    if (quiet && !fanout && this.#direct?.send(exchange, key, request.body, request.mandatory === true, request.expirationMs)) {
      return SENT;
    }
    // Undefined fields (expirationMs of a cast, quiet) are left out of the frame by JSON.
    return this.#op(
      {
        t: 'publish',
        exchange,
        key,
        body: request.body,
        mandatory: request.mandatory === true,
        expirationMs: request.expirationMs,
        quiet: quiet || undefined,
      },
      quiet ? this.#unconfirmed : this.#pending,
    );
  }

  /** Quiet (frames.ts): the reply sender learns a failure at once, a success a little later. */
  publishReply(replyQueue: string, body: string): Promise<void> {
    if (this.#direct?.reply(replyQueue, body)) return SENT;
    return this.#op({ t: 'publish', exchange: '', key: replyQueue, body, mandatory: true, quiet: true }, this.#unconfirmed);
  }

  async publishNotification(request: NotifyRequest): Promise<void> {
    const { exchange, topic, body } = request;
    const id = `${exchange}\0${topic}`;
    let declared = this.#notificationQueues.get(id);
    if (!declared) {
      declared = this.#bindQueue(topic, exchange, topic);
      declared.catch(() => this.#notificationQueues.delete(id));
      this.#notificationQueues.set(id, declared);
    }
    await declared;
    await this.#op({ t: 'publish', exchange, key: topic, body, mandatory: false });
  }

  async listenNotifications(
    bindings: readonly NotificationBinding[],
    pool: string | undefined,
    onMessage: (delivery: Delivery) => void,
  ): Promise<Listener> {
    const queues = new Set<string>();
    for (const { exchange, topic } of bindings) {
      const queue = pool ?? topic;
      await this.#bindQueue(queue, exchange, topic);
      queues.add(queue);
    }
    const tags: string[] = [];
    for (const queue of queues) {
      const tag = this.#newTag();
      this.#consumers.set(tag, (body, delivery, settle) => onMessage(new EmbeddedDelivery(body, delivery, settle)));
      tags.push(tag);
      await this.#op({ t: 'consume', queue, tag, prefetch: this.#prefetch, autoAck: false });
    }
    return { stop: this.#canceller(tags, []) };
  }

  async #bindQueue(queue: string, exchange: string, key: string): Promise<void> {
    await this.#op({ t: 'declare', queue, owned: false });
    await this.#op({ t: 'bind', queue, exchange, kind: 'topic', key });
  }

  /** A once-only stop: cancel `tags` (handlers stay until each cancel is confirmed), delete `queues`. */
  #canceller(tags: readonly string[], queues: readonly string[]): () => Promise<void> {
    let stopped: Promise<void> | undefined;
    return () =>
      (stopped ??= (async () => {
        // The handler stays until the router confirmed the cancel: deliveries in between are served.
        for (const tag of tags) {
          await this.#op({ t: 'cancel', tag }).catch(() => undefined);
          this.#consumers.delete(tag);
        }
        for (const queue of queues) await this.#op({ t: 'delete', queue }).catch(() => undefined);
      })());
  }

  replyQueue(onReply: (body: Buffer | string) => void): Promise<string> {
    this.#replyQueue ??= (async () => {
      const queue = `reply_${hex32()}`;
      await this.#op({ t: 'declare', queue, owned: true });
      const tag = this.#newTag();
      // The body as the frame holds it: text, which the reply waiter parses as it is.
      this.#onReply = onReply;
      this.#consumers.set(tag, (body) => onReply(body));
      await this.#op({ t: 'consume', queue, tag, prefetch: 0, autoAck: true });
      this.#replyQueueName = queue;
      this.#direct?.replyQueueDeclared(queue);
      return queue;
    })().catch((error: unknown) => {
      this.#replyQueue = undefined;
      throw error;
    });
    return this.#replyQueue;
  }

  async listen(
    target: Target & { readonly exchange: string; readonly server: string },
    onRequest: (delivery: Delivery) => void,
  ): Promise<Listener> {
    const { topic, server, exchange } = target;
    const fanoutQueue = `${topic}_fanout_${hex32()}`;
    const queues: [string, string, 'topic' | 'fanout', boolean][] = [
      [topic, exchange, 'topic', false],
      [`${topic}.${server}`, exchange, 'topic', false],
      [fanoutQueue, `${topic}_fanout`, 'fanout', true],
    ];
    const tags = queues.map(() => this.#newTag());
    const consumer: ConsumerHandler = (body, delivery, settle) => onRequest(new EmbeddedDelivery(body, delivery, settle));
    for (const tag of tags) this.#consumers.set(tag, consumer);
    // Sent at once, answered in one batch: the router handles a link's frames in order, so every
    // declare and bind precedes the consumes, and a worker starting up (a spare taking a slot)
    // waits for one round trip through the launcher instead of nine.
    await Promise.all([
      ...queues.flatMap(([queue, exchangeName, kind, owned]) => [
        this.#op({ t: 'declare', queue, owned }),
        this.#op({ t: 'bind', queue, exchange: exchangeName, kind, key: kind === 'fanout' ? topic : queue }),
      ]),
      ...queues.map(([queue], i) => this.#op({ t: 'consume', queue, tag: tags[i]!, prefetch: this.#prefetch, autoAck: false })),
    ]);
    return { stop: this.#canceller(tags, [fanoutQueue]) };
  }

  /** A consumer tag: unique on this link, and short, since every delivery carries it. */
  #newTag(): string {
    return `c${++this.#tagSeq}`;
  }

  /** Once per delivery (EmbeddedDelivery); nothing once closed: the router requeues what is unacked. */
  readonly #settleDelivery = (settlement: Settlement, delivery: number): void => {
    if (!this.#closed) this.#send({ t: settlement, delivery });
  };

  #send(frame: ClientFrame): void {
    this.#link.send(frame);
  }

  /** Send an operation; it settles from `waiting` when the router answers (or confirms it). */
  #op(operation: Operation, waiting = this.#pending): Promise<void> {
    if (this.#closed) return Promise.reject(new ClosedError('embedded transport'));
    const id = ++this.#seq;
    return new Promise<void>((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      try {
        // The operation is a fresh object of the caller's: it takes its id in place.
        (operation as { id?: number }).id = id;
        this.#send(operation as ClientFrame);
      } catch (error) {
        waiting.delete(id);
        reject(new EmbeddedTransportError('cannot reach the embedded router', { cause: error }));
      }
    });
  }

  #onFrame(raw: unknown): void {
    const frame = parseRouterFrame(raw);
    if (!frame) {
      this.#logger.warn('malformed frame from the embedded router dropped');
      return;
    }
    if (frame.t === 'deliver') {
      if (frame.seen !== undefined) this.#confirmUpTo(frame.seen);
      const consumer = this.#consumers.get(frame.tag);
      // Unknown tag (consumer gone): leave it unacked, the router requeues it when this link resets.
      if (consumer) consumer(frame.body, frame.delivery, this.#settleDelivery);
      return;
    }
    if (frame.t === 'route') {
      this.#direct?.route(frame.exchange, frame.key, frame.to);
      return;
    }
    const pending = this.#pending.get(frame.id) ?? this.#unconfirmed.get(frame.id);
    if (pending) {
      this.#pending.delete(frame.id);
      this.#unconfirmed.delete(frame.id);
      if (!frame.error) pending.resolve();
      else if (frame.error.code === 'unroutable')
        pending.reject(new MessageDeliveryFailure(`message undeliverable: ${frame.error.message}`));
      else pending.reject(new EmbeddedTransportError(`embedded router refused the operation: ${frame.error.message}`));
    }
    // The router answers in order: every earlier quiet publish without a failure answer went through.
    this.#confirmUpTo(frame.id);
  }

  /** Resolve the quiet publishes up to `id` (the map is in id order). */
  #confirmUpTo(id: number): void {
    const unconfirmed = this.#unconfirmed;
    if (unconfirmed.size === 0) return;
    for (const pendingId of unconfirmed.keys()) {
      if (pendingId > id) return;
      const op = unconfirmed.get(pendingId)!;
      unconfirmed.delete(pendingId);
      op.resolve();
    }
  }

  /** A call the direct path gave back (its server died, stopped or requeued it): through the router now. */
  #republish(message: DirectMessage): void {
    // Closed: this transport's own calls, whose replies have nowhere to go now.
    if (this.#closed) return;
    const expirationMs = message.expiresAt === undefined ? undefined : Math.max(0, message.expiresAt - Date.now());
    this.#op(
      {
        t: 'publish',
        exchange: message.exchange,
        key: message.key,
        body: message.body,
        mandatory: message.mandatory,
        expirationMs,
        quiet: true,
      },
      this.#unconfirmed,
    ).catch((error: unknown) => this.#logger.warn({ err: error }, 'a call given back by another worker could not be published again'));
  }

  #failPending(error: Error): void {
    const pending = [...this.#pending.values(), ...this.#unconfirmed.values()];
    this.#pending.clear();
    this.#unconfirmed.clear();
    for (const op of pending) op.reject(error);
  }

  #onClose(error?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    const wasConnected = this.#connected;
    this.#connected = false;
    this.#direct?.close();
    const lost = new EmbeddedTransportError('the link to the embedded router closed', { cause: error });
    this.#failPending(lost);
    if (wasConnected) this.emit('disconnected', lost);
  }
}
