/**
 * The in-memory broker behind the embedded transport, with the AMQP semantics the RPC layer
 * relies on: topic exchanges (exact keys; oslo forbids wildcards), fanout exchanges, the default
 * exchange, competing consumers served round-robin, per-consumer prefetch, ack/reject/requeue, unacked
 * messages requeued when their link goes away, and mandatory publishes that fail when no queue
 * is bound. Message expiration is honoured when a message would be delivered. A quiet publish is
 * answered only when it fails; its success rides on the link's next frame (quiet-confirms.ts).
 *
 * Any process of our uid can connect through the socket, so a misbehaving client must not be
 * able to exhaust the launcher's memory (issue 14): the queues are capped in number
 * (`maxQueues`), in messages each (`maxQueueLength`, oldest dropped) and in bytes held in all
 * (`maxQueuedBytes`: a publish that would pass it is refused); bindings and exchanges are capped
 * in number (`maxBindings`, `maxExchanges`), and an exchange left without bindings is dropped
 * (issue 27, 7: 200,000 bindings used to stay after their client left).
 */
import { ErrorCodes, OsloNodeError } from '../../../errors.js';
import type { Logger } from '../../../logging/logger.js';
import type { ClientFrame, ExchangeKind, FrameErrorCode, RouteConsumer, RouterFrame } from './frames.js';
import { QuietConfirms } from './quiet-confirms.js';

interface Message {
  readonly body: string;
  readonly expiresAt: number | undefined;
}

interface Queue {
  readonly name: string;
  readonly messages: Message[];
  readonly consumers: Consumer[];
  next: number;
  owner: string | undefined;
}

interface Consumer {
  readonly link: Link;
  readonly tag: string;
  readonly queue: Queue;
  readonly prefetch: number;
  readonly autoAck: boolean;
  unacked: number;
}

interface Link {
  readonly id: string;
  readonly send: (frame: RouterFrame) => void;
  readonly consumers: Map<string, Consumer>;
  readonly owned: Set<string>;
  readonly deliveries: Map<number, { consumer: Consumer; message: Message }>;
  /** Where other workers reach this link's process directly (hello), if they can. */
  peer: string | undefined;
  /** Whether this link may say where to reach it (workers; not socket clients). */
  readonly direct: boolean;
  /** The routes this link watches (watch frames), by watch key. */
  readonly watching: Set<string>;
}

/** A route some links watch, and the consumers they were last told of. */
interface Watch {
  readonly exchange: string;
  readonly key: string;
  readonly links: Set<Link>;
  told: string;
}

/** Most routes one link may watch; past it, watch is refused and the link publishes through the router. */
export const MAX_WATCHES_PER_LINK = 1024;
const NO_ROUTE: readonly RouteConsumer[] = [];

interface Exchange {
  readonly kind: ExchangeKind;
  /** key → queue names; a fanout exchange keeps every queue under "". */
  readonly bindings: Map<string, Set<string>>;
}

/** A client frame the broker refuses; `frameCode` is what the answer frame says. */
class FrameError extends OsloNodeError {
  constructor(
    readonly frameCode: FrameErrorCode,
    message: string,
  ) {
    super(ErrorCodes.RPC_EMBEDDED, message);
  }
}

export interface EmbeddedBrokerOptions {
  readonly logger: Logger;
  /** Most messages one queue holds; the oldest are dropped beyond it (a topic whose servers are gone). */
  readonly maxQueueLength?: number;
  /** Most queues at once; declaring one more is refused (10000). */
  readonly maxQueues?: number;
  /** Most body bytes (UTF-16 code units) waiting in all queues; a publish past it is refused (256 MiB). */
  readonly maxQueuedBytes?: number;
  /** How long a quiet publish's confirmation waits for a frame to ride on, ms (quiet-confirms.ts). */
  readonly quietConfirmIdleMs?: number | undefined;
  /** Most bindings at once; one more is refused (100000). */
  readonly maxBindings?: number | undefined;
  /** Most exchanges at once; binding to one more is refused (10000). */
  readonly maxExchanges?: number | undefined;
}

export const DEFAULT_MAX_QUEUES = 10_000;
export const DEFAULT_MAX_BINDINGS = 100_000;
export const DEFAULT_MAX_EXCHANGES = 10_000;
export const DEFAULT_MAX_QUEUED_BYTES = 256 * 1024 * 1024;

/** Broker state and the handling of every client frame. */
export class EmbeddedBroker {
  readonly #logger: Logger;
  readonly #maxQueueLength: number;
  readonly #maxQueues: number;
  readonly #maxQueuedBytes: number;
  readonly #maxBindings: number;
  readonly #maxExchanges: number;
  #queuedBytes = 0;
  #bindings = 0;
  readonly #links = new Map<string, Link>();
  readonly #queues = new Map<string, Queue>();
  readonly #exchanges = new Map<string, Exchange>();
  #deliverySeq = 0;
  readonly #quiet: QuietConfirms;
  readonly #watches = new Map<string, Watch>();
  /** Consumers, bindings or queues changed: watched routes are told again after the frame. */
  #topologyChanged = false;

  constructor(options: EmbeddedBrokerOptions) {
    this.#logger = options.logger;
    this.#maxQueueLength = options.maxQueueLength ?? 100_000;
    this.#maxQueues = options.maxQueues ?? DEFAULT_MAX_QUEUES;
    this.#maxQueuedBytes = options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES;
    this.#maxBindings = options.maxBindings ?? DEFAULT_MAX_BINDINGS;
    this.#maxExchanges = options.maxExchanges ?? DEFAULT_MAX_EXCHANGES;
    this.#quiet = new QuietConfirms(options.quietConfirmIdleMs);
  }

  /** `direct`: the link may give a peer address (hello) that other links then send calls to. */
  addLink(id: string, send: (frame: RouterFrame) => void, direct = true): void {
    if (this.#links.has(id)) this.removeLink(id);
    this.#links.set(id, {
      id,
      send,
      consumers: new Map(),
      owned: new Set(),
      deliveries: new Map(),
      peer: undefined,
      direct,
      watching: new Set(),
    });
  }

  /** Drop a link: its consumers go, its unacked messages are requeued, its owned queues deleted. */
  removeLink(id: string): void {
    const link = this.#links.get(id);
    if (!link) return;
    this.#reset(link);
    this.#quiet.forget(link);
    this.#links.delete(id);
    for (const watchKey of link.watching) {
      const watch = this.#watches.get(watchKey);
      watch?.links.delete(link);
      if (watch?.links.size === 0) this.#watches.delete(watchKey);
    }
    this.#tellRoutes();
  }

  /** The peer address link `id` said hello with, if any (its launcher removes the socket of a dead worker). */
  peerOf(id: string): string | undefined {
    return this.#links.get(id)?.peer;
  }

  /** Handle one validated frame from a link; false when the link is not (or no longer) attached. */
  handle(linkId: string, frame: ClientFrame): boolean {
    const link = this.#links.get(linkId);
    if (!link) return false;
    if (frame.t === 'ack' || frame.t === 'reject' || frame.t === 'requeue') {
      this.#settle(link, frame.delivery, frame.t === 'requeue');
      return true;
    }
    let error: { code: FrameErrorCode; message: string } | undefined;
    try {
      this.#operate(link, frame);
    } catch (caught) {
      if (!(caught instanceof FrameError)) throw caught;
      error = { code: caught.frameCode, message: caught.message };
    }
    if (!error && frame.t === 'publish' && frame.quiet === true) {
      this.#quiet.handled(link, frame.id);
      return true;
    }
    this.#tellRoutes();
    // A done confirms every earlier frame of the link, quiet publishes included.
    this.#quiet.forget(link);
    link.send(error ? { t: 'done', id: frame.id, error } : { t: 'done', id: frame.id });
    return true;
  }

  /** After a change of consumers, bindings or queues: tell each watcher of a route that changed. */
  #tellRoutes(): void {
    if (!this.#topologyChanged) return;
    this.#topologyChanged = false;
    for (const watch of this.#watches.values()) {
      const to = this.#routeConsumers(watch.exchange, watch.key);
      const told = JSON.stringify(to);
      if (told === watch.told) continue;
      watch.told = told;
      for (const link of watch.links) link.send({ t: 'route', exchange: watch.exchange, key: watch.key, to });
    }
  }

  /**
   * The consumers a publish to `exchange` + `key` can go to directly: those of the one queue a
   * topic exchange binds there, when every one of them is in a worker that said where to reach
   * it and acks its deliveries. Anything else goes through the router (NO_ROUTE).
   */
  #routeConsumers(exchangeName: string, key: string): readonly RouteConsumer[] {
    const exchange = exchangeName === '' ? undefined : this.#exchanges.get(exchangeName);
    const names = exchange?.kind === 'topic' ? exchange.bindings.get(key) : undefined;
    if (names?.size !== 1) return NO_ROUTE;
    const [name] = names;
    const queue = this.#queues.get(name!);
    if (!queue || queue.consumers.length === 0) return NO_ROUTE;
    const to: RouteConsumer[] = [];
    for (const consumer of queue.consumers) {
      if (consumer.autoAck || consumer.link.peer === undefined) return NO_ROUTE;
      to.push([consumer.link.peer, consumer.tag, consumer.prefetch]);
    }
    return to;
  }

  #watch(link: Link, exchange: string, key: string): void {
    const watchKey = `${exchange}\0${key}`;
    let watch = this.#watches.get(watchKey);
    if (!watch?.links.has(link) && link.watching.size >= MAX_WATCHES_PER_LINK)
      throw new FrameError('invalid', `a link may watch at most ${MAX_WATCHES_PER_LINK} routes`);
    const to = this.#routeConsumers(exchange, key);
    if (!watch) this.#watches.set(watchKey, (watch = { exchange, key, links: new Set(), told: JSON.stringify(to) }));
    watch.links.add(link);
    link.watching.add(watchKey);
    link.send({ t: 'route', exchange, key, to });
  }

  #operate(link: Link, frame: Exclude<ClientFrame, { t: 'ack' | 'reject' | 'requeue' }>): void {
    switch (frame.t) {
      case 'hello':
        if (!link.direct || frame.peer === link.peer) return;
        this.#topologyChanged = true;
        link.peer = frame.peer;
        return;
      case 'watch':
        this.#watch(link, frame.exchange, frame.key);
        return;
      case 'reset':
        this.#reset(link);
        return;
      case 'declare': {
        if (!this.#queues.has(frame.queue)) {
          if (this.#queues.size >= this.#maxQueues)
            throw new FrameError('invalid', `the embedded broker already holds its maximum of ${this.#maxQueues} queues`);
          this.#queues.set(frame.queue, {
            name: frame.queue,
            messages: [],
            consumers: [],
            next: 0,
            owner: frame.owned ? link.id : undefined,
          });
          if (frame.owned) link.owned.add(frame.queue);
        }
        return;
      }
      case 'bind': {
        this.#queue(frame.queue);
        const exchange = this.#exchange(frame.exchange, frame.kind);
        const key = frame.kind === 'fanout' ? '' : frame.key;
        let names = exchange.bindings.get(key);
        if (names?.has(frame.queue)) return;
        if (this.#bindings >= this.#maxBindings) {
          this.#dropIfUnbound(frame.exchange, exchange);
          throw new FrameError('invalid', `the embedded broker already holds its maximum of ${this.#maxBindings} bindings`);
        }
        if (!names) exchange.bindings.set(key, (names = new Set()));
        names.add(frame.queue);
        this.#bindings++;
        this.#topologyChanged = true;
        return;
      }
      case 'delete':
        this.#deleteQueue(frame.queue);
        return;
      case 'consume': {
        const queue = this.#queue(frame.queue);
        if (link.consumers.has(frame.tag)) throw new FrameError('invalid', `consumer tag ${frame.tag} is in use`);
        const consumer: Consumer = { link, tag: frame.tag, queue, prefetch: frame.prefetch, autoAck: frame.autoAck, unacked: 0 };
        link.consumers.set(frame.tag, consumer);
        queue.consumers.push(consumer);
        this.#topologyChanged = true;
        this.#pump(queue);
        return;
      }
      case 'cancel': {
        const consumer = link.consumers.get(frame.tag);
        if (consumer) this.#cancel(consumer);
        return;
      }
      case 'publish':
        this.#publish(frame);
        return;
    }
  }

  #queue(name: string): Queue {
    const queue = this.#queues.get(name);
    if (!queue) throw new FrameError('not-found', `no queue ${name}`);
    return queue;
  }

  #exchange(name: string, kind: ExchangeKind): Exchange {
    if (name === '') throw new FrameError('invalid', 'the default exchange cannot be bound');
    let exchange = this.#exchanges.get(name);
    if (!exchange) {
      if (this.#exchanges.size >= this.#maxExchanges)
        throw new FrameError('invalid', `the embedded broker already holds its maximum of ${this.#maxExchanges} exchanges`);
      this.#exchanges.set(name, (exchange = { kind, bindings: new Map() }));
    }
    if (exchange.kind !== kind) throw new FrameError('invalid', `exchange ${name} is a ${exchange.kind} exchange, not ${kind}`);
    return exchange;
  }

  /** The queues a publish reaches. */
  #route(exchangeName: string, key: string): Queue[] {
    const queues: Queue[] = [];
    if (exchangeName === '') {
      const queue = this.#queues.get(key);
      if (queue) queues.push(queue);
      return queues;
    }
    const exchange = this.#exchanges.get(exchangeName);
    const names = exchange?.kind === 'fanout' ? exchange.bindings.get('') : exchange?.bindings.get(key);
    if (names) {
      for (const name of names) {
        const queue = this.#queues.get(name);
        if (queue) queues.push(queue);
      }
    }
    return queues;
  }

  #publish(frame: Extract<ClientFrame, { t: 'publish' }>): void {
    const message: Message = {
      body: frame.body,
      expiresAt: frame.expirationMs === undefined ? undefined : Date.now() + frame.expirationMs,
    };
    const queues = this.#route(frame.exchange, frame.key);
    if (this.#queuedBytes + queues.length * message.body.length > this.#maxQueuedBytes) {
      throw new FrameError(
        'invalid',
        `the embedded broker is full (${this.#queuedBytes} of ${this.#maxQueuedBytes} bytes queued); message refused`,
      );
    }
    for (const queue of queues) {
      this.#enqueue(queue, message);
      if (queue.messages.length > this.#maxQueueLength) {
        this.#dequeue(queue);
        this.#logger.warn({ queue: queue.name, limit: this.#maxQueueLength }, 'embedded queue is full; oldest message dropped');
      }
      this.#pump(queue);
    }
    const routed = queues.length;
    if (routed === 0 && frame.mandatory) {
      throw new FrameError(
        'unroutable',
        `no queue is bound for ${frame.exchange === '' ? 'queue' : `exchange ${frame.exchange}, key`} ${frame.key}`,
      );
    }
  }

  /** Hand queued messages to consumers with room, round-robin. */
  #pump(queue: Queue): void {
    while (queue.messages.length > 0 && queue.consumers.length > 0) {
      const consumer = this.#nextConsumer(queue);
      if (!consumer) return;
      const message = this.#dequeue(queue)!;
      if (message.expiresAt !== undefined && message.expiresAt <= Date.now()) continue;
      const delivery = ++this.#deliverySeq;
      if (!consumer.autoAck) {
        consumer.unacked++;
        consumer.link.deliveries.set(delivery, { consumer, message });
      }
      const seen = this.#quiet.take(consumer.link);
      consumer.link.send(
        seen === undefined
          ? { t: 'deliver', tag: consumer.tag, delivery, body: message.body }
          : { t: 'deliver', tag: consumer.tag, delivery, body: message.body, seen },
      );
    }
  }

  /** Every message enters and leaves a queue through these two, which keep #queuedBytes. */
  #enqueue(queue: Queue, message: Message, atFront = false): void {
    if (atFront) queue.messages.unshift(message);
    else queue.messages.push(message);
    this.#queuedBytes += message.body.length;
  }

  #dequeue(queue: Queue): Message | undefined {
    const message = queue.messages.shift();
    if (message) this.#queuedBytes -= message.body.length;
    return message;
  }

  #nextConsumer(queue: Queue): Consumer | undefined {
    const count = queue.consumers.length;
    for (let i = 0; i < count; i++) {
      const consumer = queue.consumers[(queue.next + i) % count]!;
      if (consumer.prefetch === 0 || consumer.unacked < consumer.prefetch) {
        queue.next = (queue.next + i + 1) % count;
        return consumer;
      }
    }
    return undefined;
  }

  #settle(link: Link, delivery: number, requeue: boolean): void {
    const entry = link.deliveries.get(delivery);
    if (!entry) return;
    link.deliveries.delete(delivery);
    entry.consumer.unacked--;
    const queue = entry.consumer.queue;
    // Like RabbitMQ, a requeued message goes back to the head of its (still existing) queue.
    const requeued = requeue && this.#queues.get(queue.name) === queue;
    if (requeued) queue.messages.unshift(entry.message);
    if (requeued || queue.consumers.includes(entry.consumer)) this.#pump(queue);
  }

  #cancel(consumer: Consumer): void {
    this.#topologyChanged = true;
    consumer.link.consumers.delete(consumer.tag);
    const index = consumer.queue.consumers.indexOf(consumer);
    if (index !== -1) consumer.queue.consumers.splice(index, 1);
  }

  #deleteQueue(name: string): void {
    const queue = this.#queues.get(name);
    if (!queue) return;
    this.#topologyChanged = true;
    for (const consumer of [...queue.consumers]) this.#cancel(consumer);
    for (const [exchangeName, exchange] of this.#exchanges) {
      for (const [key, names] of exchange.bindings) {
        if (names.delete(name)) this.#bindings--;
        if (names.size === 0) exchange.bindings.delete(key);
      }
      this.#dropIfUnbound(exchangeName, exchange);
    }
    if (queue.owner !== undefined) this.#links.get(queue.owner)?.owned.delete(name);
    for (const message of queue.messages) this.#queuedBytes -= message.body.length;
    this.#queues.delete(name);
  }

  /** An exchange exists only while it has bindings (RabbitMQ's auto-delete, which oslo asks for on fanouts). */
  #dropIfUnbound(name: string, exchange: Exchange): void {
    if (exchange.bindings.size === 0 && this.#exchanges.get(name) === exchange) this.#exchanges.delete(name);
  }

  #reset(link: Link): void {
    for (const consumer of [...link.consumers.values()]) this.#cancel(consumer);
    // Requeue in reverse delivery order at the front, so the original order is kept.
    const pending = [...link.deliveries.entries()].sort((a, b) => b[0] - a[0]);
    link.deliveries.clear();
    const touched = new Set<Queue>();
    for (const [, { consumer, message }] of pending) {
      if (this.#queues.get(consumer.queue.name) !== consumer.queue) continue;
      this.#enqueue(consumer.queue, message, true);
      touched.add(consumer.queue);
    }
    for (const name of [...link.owned]) this.#deleteQueue(name);
    for (const queue of touched) this.#pump(queue);
  }

  /** Send the confirmations still waiting for a frame to ride on (the router stops). */
  close(): void {
    this.#quiet.close();
  }

  /** Counts for logs and tests. */
  get stats(): { links: number; queues: number; messages: number; queuedBytes: number; exchanges: number; bindings: number } {
    let messages = 0;
    for (const queue of this.#queues.values()) messages += queue.messages.length;
    return {
      links: this.#links.size,
      queues: this.#queues.size,
      messages,
      queuedBytes: this.#queuedBytes,
      exchanges: this.#exchanges.size,
      bindings: this.#bindings,
    };
  }
}
