/**
 * The driver interface that the AMQP and embedded transports implement (oslo's
 * `_drivers/base.py`). It moves opaque bodies (the oslo JSON envelope, as text) between named
 * queues with AMQP semantics; the protocol itself (envelope, dispatch, replies, timeouts) is
 * written once in `rpc/` on top of it.
 *
 * Topology (identical for both transports, see docs/protocol/topology.md):
 * - call/cast to Target(topic)            → exchange <control>, key <topic>        (one server)
 * - call/cast to Target(topic, server)    → exchange <control>, key <topic>.<server>
 * - cast with fanout                      → exchange <topic>_fanout                 (every server)
 * - reply                                 → default exchange, key = the reply queue name
 * - notification on TOPIC.PRIORITY          → exchange <control>, key TOPIC.PRIORITY; the sender
 *   declares the queue TOPIC.PRIORITY bound with that key (so nothing is lost before a listener
 *   exists); a listener in a pool consumes the queue named after the pool instead
 */
import type { EventEmitter } from 'node:events';
import type { BodyFormat } from '../envelope.js';
import type { Target } from '../target.js';

/** One delivered message. The server acks when it starts the work (bounded in-flight). */
export interface Delivery {
  /** Raw body; may be malformed, the receiver validates it. Text where the transport has text (embedded). */
  readonly body: Buffer | string;
  /** AMQP content_type, when the transport has one. */
  readonly contentType: string | undefined;
  /** Acknowledge (the message is taken). Idempotent. */
  ack(): void;
  /** Reject without requeue (the message is dropped). Idempotent. */
  reject(): void;
  /** Reject with requeue (the broker delivers it again). Idempotent. */
  requeue(): void;
}

/** One notification to send (oslo's `notify_send`). */
export interface NotifyRequest {
  /** The control exchange (or the target's). */
  readonly exchange: string;
  /** Routing key and default queue name: `<topic>.<priority>`. */
  readonly topic: string;
  /** The message as JSON text (with or without the 2.0 envelope). */
  readonly body: string;
}

/** What a notification listener consumes: `<topic>.<priority>` on an exchange. */
export interface NotificationBinding {
  readonly exchange: string;
  readonly topic: string;
}

export interface PublishRequest {
  /** Resolved target; `exchange` already defaulted to control_exchange. */
  readonly target: Target & { readonly exchange: string };
  /** The oslo envelope as JSON text. */
  readonly body: string;
  /** Calls only: the AMQP expiration (the call timeout), in ms. */
  readonly expirationMs?: number;
  /**
   * true: fail with MessageDeliveryFailure at once when no queue is bound (instead of a
   * timeout). false: a message no queue takes is dropped. Unset: the transport's default (AMQP:
   * wait for a queue up to the call's expiration or rpc_cast_timeout, fanout casts excepted;
   * embedded: as false).
   */
  readonly mandatory?: boolean;
  /**
   * Nobody waits for the confirm (a call: its reply settles it). A transport may then resolve
   * the publish late, at no extra cost; a failure still rejects at once.
   */
  readonly confirmLate?: boolean;
}

/** A running consumer on a server's queues; `stop()` cancels it (and drops its fanout queue). */
export interface Listener {
  stop(): Promise<void>;
}

/**
 * Events: 'disconnected' (error) when the connection is lost, 'connected' when it is
 * (re-)established and every consumer resumed.
 */
export interface Transport extends EventEmitter {
  readonly kind: 'amqp' | 'embedded';
  /** How RPC bodies hold their message (envelope.ts); absent: oslo's 2.0 envelope. */
  readonly bodyFormat?: BodyFormat;
  /** Add `bindings` to the transport's log lines from now on (a spare's `worker` slot, once it has one). */
  bindLogs?(bindings: Record<string, unknown>): void;
  /** Connect. Rejects with a coded error when the broker is unreachable at start. */
  start(): Promise<void>;
  /** Cancel consumers, close channels and the connection. Idempotent. */
  stop(): Promise<void>;
  /** True while connected. */
  readonly connected: boolean;
  /** Publish a request; resolves once the broker took it (publisher confirm). */
  publish(request: PublishRequest): Promise<void>;
  /** Publish a reply to `replyQueue` (mandatory: MessageDeliveryFailure when the queue is gone). */
  publishReply(replyQueue: string, body: string): Promise<void>;
  /**
   * The process's one reply queue (`reply_<hex32>`), declared and consumed on first use;
   * every reply is handed to `onReply` (already acked).
   */
  replyQueue(onReply: (body: Buffer | string) => void): Promise<string>;
  /**
   * Publish a notification; resolves once the broker took it (publisher confirm). Waits for a
   * reconnect like `publish`; rejects with BrokerUnavailable when the broker stays away.
   */
  publishNotification(request: NotifyRequest): Promise<void>;
  /**
   * Consume notifications: every binding's `<topic>.<priority>` queue, or with `pool` the one
   * queue named `pool` bound with every binding's key (oslo's listener pools).
   */
  listenNotifications(
    bindings: readonly NotificationBinding[],
    pool: string | undefined,
    onMessage: (delivery: Delivery) => void,
  ): Promise<Listener>;
  /** Consume `topic`, `topic.server` and the fanout queue of `target`. */
  listen(
    target: Target & { readonly exchange: string; readonly server: string },
    onRequest: (delivery: Delivery) => void,
  ): Promise<Listener>;
}
