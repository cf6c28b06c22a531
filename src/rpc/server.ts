/**
 * oslo.messaging's RPCServer: consumes a target's topic, topic.server and fanout queues and runs
 * requests on its endpoints with at most `executorPoolSize` in flight. A delivery is acked when
 * its work starts, so deliveries waiting for a slot stay unacked and the transport's prefetch
 * bounds memory.
 */
import { renamedOption, secondsToMs } from '../config/durations.js';
import { ClosedError, InvalidArgumentError, StopTimeoutError } from '../errors.js';
import { silentLogger, type Logger } from '../logging/logger.js';
import { RpcDispatcher } from './dispatcher.js';
import { ReplySender } from './reply-sender.js';
import { RpcRequestHandler, type RpcServerCounters } from './request-handler.js';
import { NoOpSerializer, type Serializer } from './serializer.js';
import { validateTarget, type Target } from './target.js';
import type { Delivery, Listener, Transport } from './transports/transport.js';
import { BoundedExecutor } from '../lifecycle/bounded-executor.js';
import type { Lifecycle, LifecycleState, StopOptions } from '../lifecycle/lifecycle.js';
import { TIMED_OUT, withTimeout } from '../lifecycle/with-timeout.js';
import type { RpcObserver } from '../metrics/observers.js';

export interface RpcServerOptions {
  readonly serializer?: Serializer;
  /** Most requests dispatched at once (`executor_thread_pool_size`, 64). */
  readonly executorPoolSize?: number;
  /** Largest body accepted (`rpc_max_message_bytes`, 16 MiB); larger ones get a failure reply. */
  readonly maxMessageBytes?: number;
  /** Add oslo's `oslo_rpc_server_ping` endpoint answering "pong" (`rpc_ping_enabled`). */
  readonly pingEnabled?: boolean;
  /** Exchange when the target names none (`control_exchange`, "openstack"). */
  readonly controlExchange?: string;
  /** Seconds a reply retries a missing reply queue (`kombu_missing_consumer_retry_timeout`, 60). */
  readonly missingConsumerRetryTimeoutSeconds?: number;
  /** @deprecated The same seconds under their older name: use `missingConsumerRetryTimeoutSeconds`. */
  readonly missingConsumerRetryTimeout?: number;
  readonly logger?: Logger;
  /** Told of every dispatched request (framework metrics, `metrics_enabled`). */
  readonly metrics?: RpcObserver;
}

/** A snapshot of the server's counters. */
export interface RpcServerStats extends Readonly<RpcServerCounters> {
  readonly inFlight: number;
  readonly waiting: number;
  /** Replies retrying a missing reply queue now (at most executorPoolSize). */
  readonly retryingReplies: number;
  /** Retrying replies dropped for newer ones since start. */
  readonly droppedReplies: number;
}

/** oslo's PingEndpoint. */
const pingEndpoint = {
  oslo_rpc_server_ping(): string {
    return 'pong';
  },
};

/** An RPC server; the transport must be started by its owner. */
export class RpcServer implements Lifecycle {
  readonly #transport: Transport;
  readonly #target: Target & { readonly exchange: string; readonly server: string };
  readonly #handler: RpcRequestHandler;
  readonly #replies: ReplySender;
  readonly #executor: BoundedExecutor<Delivery>;
  readonly #logger: Logger;
  readonly #counters: RpcServerCounters = { received: 0, calls: 0, casts: 0, failures: 0, rejected: 0, duplicates: 0 };
  readonly #stopped: Promise<void>;
  #markStopped!: () => void;
  #state: LifecycleState = 'new';
  #listener: Listener | undefined;
  #starting: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;

  constructor(transport: Transport, target: Target, endpoints: readonly object[], options: RpcServerOptions = {}) {
    validateTarget(target, true);
    const poolSize = options.executorPoolSize ?? 64;
    if (!Number.isInteger(poolSize) || poolSize < 1) throw new InvalidArgumentError('options.executorPoolSize must be a positive integer');
    this.#transport = transport;
    this.#target = Object.freeze({
      ...target,
      exchange: target.exchange ?? options.controlExchange ?? 'openstack',
      server: target.server!,
    });
    this.#executor = new BoundedExecutor({
      size: poolSize,
      run: (delivery) => this.#dispatch(delivery),
      onError: (error) => this.#logger.error({ err: error }, 'RPC request handler failed'),
    });
    this.#logger = (options.logger ?? silentLogger()).child({ component: 'rpc-server', topic: target.topic, server: target.server });
    this.#replies = new ReplySender({
      transport,
      logger: this.#logger,
      missingConsumerRetryMs: secondsToMs(
        renamedOption(options, 'missingConsumerRetryTimeoutSeconds', 'missingConsumerRetryTimeout', 'RpcServer options') ?? 60,
      ),
      // Sized like the executor: replies cost as much as the calls that made them.
      maxRetrying: poolSize,
    });
    this.#handler = new RpcRequestHandler({
      dispatcher: new RpcDispatcher(options.pingEnabled ? [...endpoints, pingEndpoint] : endpoints),
      serializer: options.serializer ?? new NoOpSerializer(),
      replies: this.#replies,
      logger: this.#logger,
      maxMessageBytes: options.maxMessageBytes ?? 16 * 1024 * 1024,
      bodyFormat: transport.bodyFormat,
      counters: this.#counters,
      observer: options.metrics,
    });
    this.#stopped = new Promise((resolve) => (this.#markStopped = resolve));
  }

  /** Where this part is in its lifecycle. */
  get state(): LifecycleState {
    return this.#state;
  }

  get stats(): RpcServerStats {
    const replies = this.#replies.retryStats;
    return {
      ...this.#counters,
      inFlight: this.#executor.running,
      waiting: this.#executor.waiting,
      retryingReplies: replies.retrying,
      droppedReplies: replies.dropped,
    };
  }

  /** The resolved target (exchange filled in). */
  get target(): Target {
    return this.#target;
  }

  /** Start consuming. Runs once; later calls share the first call's promise. */
  start(): Promise<void> {
    this.#starting ??= this.#start();
    return this.#starting;
  }

  async #start(): Promise<void> {
    if (this.#stopping) throw new ClosedError('RPC server');
    this.#state = 'starting';
    try {
      this.#listener = await this.#transport.listen(this.#target, (delivery) => this.#enqueue(delivery));
    } catch (error) {
      this.#state = 'stopped';
      this.#markStopped();
      throw error;
    }
    if (this.#stopping) return;
    this.#state = 'running';
    this.#logger.info({ exchange: this.#target.exchange }, 'RPC server consuming');
  }

  /**
   * Stop consuming, finish the requests already taken, then resolve. Runs once (later callers
   * share it); waits for start. StopTimeoutError once `timeoutMs` passes first (0 or unset: no
   * bound); the requests still running go on, the caller decides what to cut.
   */
  async stop(options: StopOptions = {}): Promise<void> {
    if (!this.#stopping && this.#state === 'running') this.#state = 'stopping';
    this.#stopping ??= this.#stop();
    if ((await withTimeout(this.#stopping, options.timeoutMs)) === TIMED_OUT) throw new StopTimeoutError('RPC server', options.timeoutMs!);
  }

  async #stop(): Promise<void> {
    await this.#starting?.catch(() => undefined);
    if (this.#state === 'stopped') return;
    this.#state = 'stopping';
    try {
      await this.#listener?.stop();
    } catch (error) {
      this.#logger.warn({ err: error }, 'RPC listener did not stop cleanly');
    }
    await this.#executor.drained();
    // Replies still get their attempt; a missing reply queue is not retried for a minute now.
    this.#replies.close();
    await this.#replies.settled();
    this.#state = 'stopped';
    this.#markStopped();
    this.#logger.info('RPC server stopped');
  }

  /**
   * Resolve once the server has stopped (after someone called stop()); StopTimeoutError past `timeoutMs`.
   * @deprecated oslo.messaging's stop() + wait() pair; `stop({ timeoutMs })` does both.
   */
  async wait(timeoutMs?: number): Promise<void> {
    if ((await withTimeout(this.#stopped, timeoutMs)) === TIMED_OUT) throw new StopTimeoutError('RPC server', timeoutMs!);
  }

  #enqueue(delivery: Delivery): void {
    this.#executor.submit(delivery);
  }

  #dispatch(delivery: Delivery): Promise<void> | undefined {
    try {
      delivery.ack();
    } catch (error) {
      // oslo: a request whose ack fails is not dispatched (at-most-once).
      this.#logger.warn({ err: error }, 'could not acknowledge an RPC request; it is skipped');
      return undefined;
    }
    return this.#handler.handle(delivery.body);
  }
}
