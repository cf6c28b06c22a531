/**
 * The RabbitMQ transport (amqplib), wire-compatible with oslo.messaging's rabbit driver (14.0.3
 * and 16.1, quorum and stream queues included): the same exchanges, queues, flags, arguments and
 * message properties (docs/protocol/topology.md, docs/protocol/wire-format.md, docs/rabbitmq4.md). It only moves bodies
 * between queues; the RPC protocol lives in `rpc/`.
 */
import { EventEmitter, setMaxListeners } from 'node:events';
import type { Logger } from '../../../logging/logger.js';
import type { Config } from '../../../config/options.js';
import { ClosedError } from '../../../errors.js';
import { hex32 } from '../../ids.js';
import type { Target } from '../../target.js';
import type { Delivery, Listener, NotificationBinding, NotifyRequest, PublishRequest, Transport } from '../transport.js';
import { AmqpConnection, type StartRetry } from './connection.js';
import { AmqpListener, notificationConsumerPlan, rpcConsumerPlan, type ConsumerPlan } from './listener.js';
import type { PublishOptions } from './publisher.js';
import { QueueManager } from './queue-manager.js';
import { QueueWait } from './queue-wait.js';
import { ReplyConsumer } from './reply-consumer.js';
import { amqpSettings, type AmqpSettings } from './settings.js';
import { controlExchange, fanoutExchange, notificationQueue, notificationTopology, replyQueue, serverTopology } from './topology.js';
import { parseTransportUrl } from './url.js';

/** Reply queues whose publish options are kept (replyOptions). */
const REPLY_OPTIONS_KEPT = 256;

/** The least a publish sent again after a NO_ROUTE return waits for its confirm. */
const MIN_RETRY_CONFIRM_MS = 2000;

/** Options of the AMQP transport. */
export interface AmqpTransportOptions {
  /** oslo transport URL: `rabbit://user:pass@host:port[,host2…]/vhost?opt=val` or `amqp://…`. */
  readonly url: string;
  readonly config: Config;
  readonly logger: Logger;
  /**
   * start() keeps retrying a broker that is not there, as oslo does (default); false: one round
   * over the hosts, then BrokerConnectError (command-line tools, the launcher's own reporter).
   */
  readonly retryStart?: boolean;
}

/** Transport over RabbitMQ. Events: 'connected', 'disconnected' (error), 'retrying' (StartRetry). */
export class AmqpTransport extends EventEmitter implements Transport {
  readonly kind = 'amqp' as const;
  readonly #settings: AmqpSettings;
  readonly #connection: AmqpConnection;
  readonly #logger: Logger;
  readonly #replies: ReplyConsumer;
  readonly #listeners = new Set<AmqpListener>();
  /** Suffixes of reply and fanout queue names: random, or the queue manager's stable ones. */
  readonly #queueSuffix: () => string;
  /** Retries of calls and casts that found no queue; ended by stop(). */
  readonly #queueWait: QueueWait;
  readonly #stopSignal = new AbortController();
  /**
   * The publish options of a call target and expiration, kept with the target: a client sends
   * its frozen target object with every call, and building the options (exchange declaration,
   * routing key) took a share of a call's own work. Targets are the clients' (WeakMap).
   */
  readonly #callOptions = new WeakMap<object, { readonly expirationMs: number | undefined; readonly options: PublishOptions }>();
  /** The publish options of replies, by reply queue (a server answers few clients' queues). */
  readonly #replyOptions = new Map<string, PublishOptions>();
  #starting: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;

  /** Parses the URL and options at once: a bad URL throws ConfigError here, not at start(). */
  constructor(options: AmqpTransportOptions) {
    super();
    const url = parseTransportUrl(options.url);
    this.#settings = amqpSettings(options.config, url);
    this.#logger = options.logger.child({ component: 'amqp' });
    this.#connection = new AmqpConnection({ url, settings: this.#settings, logger: this.#logger, retryStart: options.retryStart });
    this.#connection.on('retrying', (retry: StartRetry) => this.emit('retrying', retry));
    this.#connection.on('connected', () => this.emit('connected'));
    this.#connection.on('disconnected', (error: Error) => this.emit('disconnected', error));
    const { queueManager } = this.#settings;
    if (queueManager) {
      const names = new QueueManager(queueManager);
      this.#queueSuffix = () => names.next();
    } else {
      this.#queueSuffix = hex32;
    }
    // Every publish waiting for a queue listens for the stop while it sleeps: not a leak.
    setMaxListeners(0, this.#stopSignal.signal);
    this.#queueWait = new QueueWait(this.#settings, this.#logger, this.#stopSignal.signal);
    this.#replies = new ReplyConsumer({
      connection: this.#connection,
      decl: replyQueue(this.#settings, this.#queueSuffix),
      logger: this.#logger,
    });
  }

  get connected(): boolean {
    return this.#connection.session !== undefined && this.#stopping === undefined;
  }

  /**
   * Add `bindings` to every log line of this transport from now on: a prefork spare opens its
   * connection before it has a slot, and binds `worker` once it takes one.
   */
  bindLogs(bindings: Record<string, unknown>): void {
    this.#logger.setBindings(bindings);
  }

  /** The connection_name client property this transport shows in `rabbitmqctl list_connections`. */
  get connectionName(): string {
    return this.#connection.connectionName;
  }

  start(): Promise<void> {
    if (this.#stopping) return Promise.reject(new ClosedError('AMQP transport'));
    this.#starting ??= this.#connection.start().catch((error: unknown) => {
      this.#starting = undefined;
      throw error;
    });
    return this.#starting;
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#stopSignal.abort();
      // A start still waiting for the broker ends now (ClosedError), rather than the stop
      // waiting for a broker that may never come.
      if (!this.#connection.session) await this.#connection.stop();
      await this.#starting?.catch(() => undefined);
      await Promise.all([...this.#listeners].map((listener) => listener.stop()));
      await this.#connection.stop();
    })();
    return this.#stopping;
  }

  /**
   * A call or cast. `mandatory` unset (the default): published mandatory, and a NO_ROUTE return
   * is published again until the call's timeout or rpc_cast_timeout (queue-wait.ts); a fanout
   * cast is not mandatory, as in oslo. `true`: a return fails the publish at once (oslo's
   * at_least_once). `false`: not mandatory (oslo's default: an unroutable message is dropped).
   */
  publish(request: PublishRequest): Promise<void> {
    const { target } = request;
    const fanout = target.fanout === true;
    const waitForQueue = request.mandatory === undefined && !fanout;
    const call = request.expirationMs !== undefined;
    const waitMs = request.expirationMs ?? (waitForQueue ? this.#settings.castTimeoutMs : this.#settings.publishWaitMs);
    // A frozen target (every RpcClient's) cannot change under its cached options.
    const options =
      waitForQueue && call && Object.isFrozen(target)
        ? this.#callOptionsFor(target, request.expirationMs)
        : this.#optionsFor(request, waitMs);
    if (!waitForQueue) return this.#publish(waitMs, request.body, options);
    const startedAt = Date.now();
    return this.#publish(waitMs, request.body, options).catch((error: unknown) =>
      this.#queueWait.retry(error, {
        kind: call ? 'call' : 'cast',
        topic: target.topic,
        exchange: options.exchange,
        routingKey: options.routingKey,
        startedAt,
        boundMs: waitMs,
        // The last attempt goes out just before the bound, and a timer may fire late on a busy
        // host: its confirm may take a moment past the bound rather than be taken for a loss.
        attempt: (remainingMs) =>
          this.#publish(remainingMs, request.body, {
            ...options,
            confirmTimeoutMs: Math.max(remainingMs, MIN_RETRY_CONFIRM_MS),
            expirationMs: call ? remainingMs : undefined,
          }),
      }),
    );
  }

  /** The options of a publish to `target` (routing key, exchange declaration, flags). */
  #optionsFor(request: PublishRequest, waitMs: number): PublishOptions {
    const { target } = request;
    const fanout = target.fanout === true;
    const declare = fanout ? fanoutExchange(this.#settings, target.topic) : controlExchange(this.#settings, target.exchange);
    return {
      exchange: declare.name,
      routingKey: fanout ? '' : target.server ? `${target.topic}.${target.server}` : target.topic,
      declare,
      mandatory: (request.mandatory === undefined && !fanout) || request.mandatory === true,
      expirationMs: request.expirationMs,
      confirmTimeoutMs: waitMs,
    };
  }

  /**
   * A call's options (mandatory, waiting for a queue), the same object call after call to one
   * target. Kept only for a frozen target (every RpcClient's), which cannot change under them;
   * checked when they are made, not per call (Object.isFrozen is a runtime call).
   */
  #callOptionsFor(target: PublishRequest['target'], expirationMs: number | undefined): PublishOptions {
    const known = this.#callOptions.get(target);
    if (known !== undefined && known.expirationMs === expirationMs) return known.options;
    const options = this.#optionsFor({ target, body: '', expirationMs }, expirationMs!);
    if (Object.isFrozen(target)) this.#callOptions.set(target, { expirationMs, options });
    return options;
  }

  publishReply(replyQueueName: string, body: string): Promise<void> {
    let options = this.#replyOptions.get(replyQueueName);
    if (!options) {
      options = {
        exchange: '',
        routingKey: replyQueueName,
        declare: undefined,
        // direct_mandatory_flag (oslo: deprecated, on by default): a missing reply queue is noticed.
        mandatory: this.#settings.directMandatory,
        expirationMs: undefined,
        confirmTimeoutMs: this.#settings.publishWaitMs,
      };
      // Bounded: the callers' reply queues come and go.
      if (this.#replyOptions.size >= REPLY_OPTIONS_KEPT) this.#replyOptions.clear();
      this.#replyOptions.set(replyQueueName, options);
    }
    return this.#publish(this.#settings.publishWaitMs, body, options);
  }

  async publishNotification(request: NotifyRequest): Promise<void> {
    const waitMs = this.#settings.publishWaitMs;
    await this.#publish(waitMs, request.body, {
      exchange: request.exchange,
      routingKey: request.topic,
      declare: controlExchange(this.#settings, request.exchange),
      declareQueue: notificationQueue(this.#settings, request.topic),
      mandatory: false,
      expirationMs: undefined,
      confirmTimeoutMs: waitMs,
    });
  }

  replyQueue(onReply: (body: Buffer) => void): Promise<string> {
    if (this.#stopping) return Promise.reject(new ClosedError('AMQP transport'));
    return this.#replies.use(onReply);
  }

  async listen(
    target: Target & { readonly exchange: string; readonly server: string },
    onRequest: (delivery: Delivery) => void,
  ): Promise<Listener> {
    const topology = serverTopology(this.#settings, target.exchange, target.topic, target.server, this.#queueSuffix);
    const deleteFanoutQueue = !this.#settings.streamFanout && !this.#settings.queueManager;
    return this.#consume(rpcConsumerPlan(topology, target.topic, { deleteFanoutQueue }), onRequest);
  }

  listenNotifications(
    bindings: readonly NotificationBinding[],
    pool: string | undefined,
    onMessage: (delivery: Delivery) => void,
  ): Promise<Listener> {
    return this.#consume(notificationConsumerPlan(notificationTopology(this.#settings, bindings, pool)), onMessage);
  }

  async #consume(plan: ConsumerPlan, onMessage: (delivery: Delivery) => void): Promise<Listener> {
    if (this.#stopping) throw new ClosedError('AMQP transport');
    const listener = new AmqpListener({ connection: this.#connection, plan, onRequest: onMessage, logger: this.#logger });
    await listener.start();
    this.#listeners.add(listener);
    return {
      stop: async () => {
        this.#listeners.delete(listener);
        await listener.stop();
      },
    };
  }

  #publish(waitMs: number, body: string, options: PublishOptions): Promise<void> {
    // Connected with an open channel (nearly always): publish now, without awaiting the
    // connection and the channel through two promises each time.
    const publisher = this.#stopping ? undefined : this.#connection.session?.openPublisher;
    if (!publisher) return this.#publishWhenReady(waitMs, body, options, 1);
    return publisher.publish(body, options).catch((error: unknown) => {
      if (!publisher.lostExchange) throw error;
      return this.#publishWhenReady(waitMs, body, options, 2);
    });
  }

  /** Publish once connected (waiting up to `waitMs`); a lost exchange is declared again once. */
  async #publishWhenReady(waitMs: number, body: string, options: PublishOptions, firstAttempt: number): Promise<void> {
    for (let attempt = firstAttempt; ; attempt++) {
      const publisher = await (await this.#live(waitMs)).publisher();
      try {
        await publisher.publish(body, options);
        return;
      } catch (error) {
        if (attempt > 1 || !publisher.lostExchange) throw error;
      }
    }
  }

  #live(waitMs: number) {
    if (this.#stopping) return Promise.reject(new ClosedError('AMQP transport'));
    return this.#connection.waitConnected(waitMs);
  }
}
