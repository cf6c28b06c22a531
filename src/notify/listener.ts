/**
 * oslo.messaging's NotificationListener (and its batch form): consumes `<topic>.<priority>` for
 * every target and every priority its endpoints handle, or in a pool one queue named after the
 * pool (each pool gets every notification once; members of a pool share it). A notification is
 * acked after its endpoints ran, or requeued when one asked for it and `allowRequeue` is set.
 * Bad messages (not JSON, bad envelope, unknown priority, too large) are logged and dropped;
 * duplicates (same `_unique_id` as one of the last 16 acked) are acked and skipped, as oslo.
 */
import { renamedOption, secondsToMs } from '../config/durations.js';
import { ClosedError, InvalidArgumentError, StopTimeoutError } from '../errors.js';
import { silentLogger, type Logger } from '../logging/logger.js';
import { LOGGED_VALUE_MAX, clipForLog } from '../logging/clip.js';
import { ThrottledWarning } from '../logging/throttled-warning.js';
import { decodeEnvelope } from '../rpc/envelope.js';
import { NoOpSerializer, type Serializer } from '../rpc/serializer.js';
import type { Delivery, Listener, Transport } from '../rpc/transports/transport.js';
import { BoundedExecutor } from '../lifecycle/bounded-executor.js';
import type { Lifecycle, LifecycleState, StopOptions } from '../lifecycle/lifecycle.js';
import { TIMED_OUT, withTimeout } from '../lifecycle/with-timeout.js';
import { NotificationDispatcher, NotificationResult } from './dispatcher.js';
import { parseNotification, type IncomingNotification } from './message.js';

/** A target to listen on: `topic` (e.g. `notifications`) on `exchange` (control_exchange). */
export interface NotificationTarget {
  readonly topic: string;
  readonly exchange?: string;
}

export interface NotificationListenerOptions {
  /** Listener pool: one queue named after it, shared by its members. */
  readonly pool?: string;
  /** Honour REQUEUE (oslo's `allow_requeue`, default false: everything is acked). */
  readonly allowRequeue?: boolean;
  /** Most notifications (or batches) handled at once (`executor_thread_pool_size`, 64). */
  readonly executorPoolSize?: number;
  readonly serializer?: Serializer;
  /** Exchange of targets that name none (`control_exchange`, "openstack"). */
  readonly controlExchange?: string;
  /** Largest body accepted; larger ones are dropped (`rpc_max_message_bytes`, 16 MiB). */
  readonly maxMessageBytes?: number;
  /**
   * Batch listener: endpoints get lists of up to `size` notifications, at least every
   * `timeoutSeconds` (`timeout`: its deprecated older name).
   */
  readonly batch?: {
    readonly size: number;
    readonly timeoutSeconds?: number /** @deprecated use `timeoutSeconds` */;
    readonly timeout?: number;
  };
  readonly logger?: Logger;
}

export interface NotificationListenerStats {
  received: number;
  handled: number;
  requeued: number;
  dropped: number;
  duplicates: number;
}

interface Parsed {
  readonly delivery: Delivery;
  readonly notification: IncomingNotification;
}

/** How many recently acked `_unique_id`s are remembered (oslo's msg_id_cache: 16). */
const DEDUPE_SIZE = 16;

export class NotificationListener implements Lifecycle {
  readonly #transport: Transport;
  readonly #targets: ReadonlyArray<Required<NotificationTarget>>;
  readonly #dispatcher: NotificationDispatcher;
  readonly #pool: string | undefined;
  readonly #allowRequeue: boolean;
  readonly #executor: BoundedExecutor<Parsed[]>;
  readonly #maxBytes: number;
  readonly #batch: { size: number; timeoutMs: number | undefined } | undefined;
  readonly #logger: Logger;
  /** A flood of malformed or duplicate notifications is logged once per 10 s, with a count. */
  readonly #warnings: ThrottledWarning;
  readonly #recent: string[] = [];
  readonly #stats: NotificationListenerStats = { received: 0, handled: 0, requeued: 0, dropped: 0, duplicates: 0 };
  #pending: Parsed[] = [];
  #batchTimer: NodeJS.Timeout | undefined;
  #listener: Listener | undefined;
  #starting: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;
  #state: LifecycleState = 'new';

  constructor(
    transport: Transport,
    targets: readonly NotificationTarget[],
    endpoints: readonly object[],
    options: NotificationListenerOptions = {},
  ) {
    if (targets.length === 0) throw new InvalidArgumentError('a notification listener needs at least one target');
    for (const target of targets) {
      if (typeof target.topic !== 'string' || target.topic === '')
        throw new InvalidArgumentError('every notification target needs a topic');
    }
    const poolSize = options.executorPoolSize ?? 64;
    if (!Number.isInteger(poolSize) || poolSize < 1) throw new InvalidArgumentError('options.executorPoolSize must be a positive integer');
    if (options.batch && !(Number.isInteger(options.batch.size) && options.batch.size >= 1))
      throw new InvalidArgumentError('options.batch.size must be a positive integer');
    if (options.pool !== undefined && options.pool === '') throw new InvalidArgumentError('options.pool must not be empty');
    const exchange = options.controlExchange ?? 'openstack';
    this.#transport = transport;
    this.#targets = targets.map((target) => ({ topic: target.topic, exchange: target.exchange ?? exchange }));
    this.#pool = options.pool;
    this.#allowRequeue = options.allowRequeue ?? false;
    this.#executor = new BoundedExecutor({
      size: poolSize,
      run: (work) => this.#handle(work),
      onError: (error) => this.#logger.error({ err: error }, 'notification handling failed'),
    });
    this.#maxBytes = options.maxMessageBytes ?? 16 * 1024 * 1024;
    // oslo: without batch_timeout a batch waits until it is full (or the listener stops).
    this.#batch = options.batch ? { size: options.batch.size, timeoutMs: batchTimeoutMs(options.batch) } : undefined;
    this.#logger = (options.logger ?? silentLogger()).child({ component: 'notification-listener', pool: options.pool });
    this.#warnings = new ThrottledWarning(this.#logger);
    this.#dispatcher = new NotificationDispatcher({
      endpoints,
      serializer: options.serializer ?? new NoOpSerializer(),
      logger: this.#logger,
    });
    if (this.#dispatcher.priorities.length === 0)
      throw new InvalidArgumentError(`no endpoint has a method for any priority (audit, debug, info, warn, error, critical, sample)`);
  }

  get stats(): Readonly<NotificationListenerStats> & { inFlight: number } {
    return { ...this.#stats, inFlight: this.#executor.running };
  }

  /** Where this part is in its lifecycle. */
  get state(): LifecycleState {
    return this.#state;
  }

  /** Declare and consume the queues. Runs once. */
  start(): Promise<void> {
    this.#starting ??= (async () => {
      if (this.#stopping) throw new ClosedError('notification listener');
      this.#state = 'starting';
      const bindings = this.#targets.flatMap((target) =>
        this.#dispatcher.priorities.map((priority) => ({ exchange: target.exchange, topic: `${target.topic}.${priority}` })),
      );
      try {
        this.#listener = await this.#transport.listenNotifications(bindings, this.#pool, (delivery) => this.#receive(delivery));
      } catch (error) {
        this.#state = 'stopped';
        throw error;
      }
      if (!this.#stopping) this.#state = 'running';
      this.#logger.info({ bindings: bindings.map((binding) => binding.topic) }, 'notification listener consuming');
    })();
    return this.#starting;
  }

  /**
   * Stop consuming, finish what is being handled (a partial batch is dispatched). Runs once
   * (later callers share it). StopTimeoutError once `timeoutMs` passes first (0 or unset: no
   * bound); what is being handled goes on.
   */
  async stop(options: StopOptions = {}): Promise<void> {
    if (!this.#stopping) this.#state = 'stopping';
    this.#stopping ??= (async () => {
      await this.#starting?.catch(() => undefined);
      this.#state = 'stopping';
      await this.#listener
        ?.stop()
        .catch((error: unknown) => this.#logger.warn({ err: error }, 'notification listener did not stop cleanly'));
      this.#flush();
      await this.#executor.drained();
      this.#state = 'stopped';
      this.#logger.info({ ...this.#stats }, 'notification listener stopped');
    })();
    if ((await withTimeout(this.#stopping, options.timeoutMs)) === TIMED_OUT)
      throw new StopTimeoutError('notification listener', options.timeoutMs!);
  }

  #receive(delivery: Delivery): void {
    this.#stats.received++;
    const parsed = this.#parse(delivery);
    if (!parsed) return;
    if (!this.#batch) {
      this.#executor.submit([parsed]);
      return;
    }
    this.#pending.push(parsed);
    if (this.#pending.length >= this.#batch.size) this.#flush();
    else if (!this.#batchTimer && this.#batch.timeoutMs !== undefined)
      this.#batchTimer = setTimeout(() => this.#flush(), this.#batch.timeoutMs);
  }

  #parse(delivery: Delivery): Parsed | undefined {
    const decoded = decodeEnvelope(delivery.body, this.#maxBytes);
    const parsed = decoded.ok ? parseNotification(decoded.message) : decoded;
    if (!parsed.ok) {
      this.#stats.dropped++;
      this.#warnings.warn({ reason: clipForLog(parsed.reason, 4 * LOGGED_VALUE_MAX) }, 'malformed notification dropped');
      delivery.reject();
      return undefined;
    }
    const { uniqueId } = parsed.notification;
    if (uniqueId !== undefined && this.#recent.includes(uniqueId)) {
      this.#stats.duplicates++;
      this.#warnings.info({ uniqueId: clipForLog(uniqueId) }, 'ignoring duplicate notification');
      delivery.ack();
      return undefined;
    }
    return { delivery, notification: parsed.notification };
  }

  #flush(): void {
    clearTimeout(this.#batchTimer);
    this.#batchTimer = undefined;
    if (this.#pending.length === 0) return;
    this.#executor.submit(this.#pending);
    this.#pending = [];
  }

  async #handle(work: Parsed[]): Promise<void> {
    let requeue: Set<number>;
    try {
      if (this.#batch) requeue = await this.#dispatcher.dispatchBatch(work.map((entry) => entry.notification));
      else requeue = (await this.#dispatcher.dispatch(work[0]!.notification)) === NotificationResult.REQUEUE ? new Set([0]) : new Set();
    } catch (error) {
      this.#logger.error({ err: error }, 'notification dispatch failed');
      requeue = new Set(work.keys());
    }
    work.forEach((entry, index) => {
      if (requeue.has(index) && this.#allowRequeue) {
        this.#stats.requeued++;
        entry.delivery.requeue();
        return;
      }
      this.#stats.handled++;
      entry.delivery.ack();
      this.#remember(entry.notification.uniqueId);
    });
  }

  #remember(uniqueId: string | undefined): void {
    if (uniqueId === undefined) return;
    this.#recent.push(uniqueId);
    if (this.#recent.length > DEDUPE_SIZE) this.#recent.shift();
  }
}

/** What a BatchNotificationListener takes besides the listener's options. */
export interface BatchListenerOptions {
  /** Most notifications in one list (oslo's `batch_size`). */
  readonly batchSize: number;
  /** Seconds after the first notification that a list is handed over even when not full (oslo's `batch_timeout`); unset: only when full. */
  readonly batchTimeoutSeconds?: number;
  /** @deprecated The same seconds under their older name: use `batchTimeoutSeconds`. */
  readonly batchTimeout?: number;
}

/** The batch's timeout in ms from either of its names; undefined: none. */
function batchTimeoutMs(batch: NonNullable<NotificationListenerOptions['batch']>): number | undefined {
  const seconds = renamedOption(batch, 'timeoutSeconds', 'timeout', 'options.batch');
  return seconds === undefined ? undefined : secondsToMs(seconds);
}

/** oslo's `get_batch_notification_listener`: endpoints get lists of notifications. */
export class BatchNotificationListener extends NotificationListener {
  constructor(
    transport: Transport,
    targets: readonly NotificationTarget[],
    endpoints: readonly object[],
    options: Omit<NotificationListenerOptions, 'batch'> & BatchListenerOptions,
  ) {
    const timeoutSeconds = renamedOption(options, 'batchTimeoutSeconds', 'batchTimeout', 'BatchNotificationListener options');
    super(transport, targets, endpoints, { ...options, batch: { size: options.batchSize, timeoutSeconds } });
  }
}
