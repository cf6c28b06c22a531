/**
 * Client side of replies: ONE reply queue per transport, shared by every call and every client
 * on it, with replies routed to the waiting call by `_msg_id` (docs/protocol/wire-format.md, "Replies" and "Call monitor").
 * No per-call connection and no pool to exhaust.
 */
import type { Logger } from '../logging/logger.js';
import { decodeEnvelope } from './envelope.js';
import { MessageDeliveryFailure, MessagingTimeout } from './errors.js';
import { deserializeFailure } from './failure.js';
import type { Transport } from './transports/transport.js';

export interface WaitOptions {
  /** Overall timeout, ms: a hard cap, heartbeats do not extend it. */
  readonly timeoutMs: number;
  /** Call-monitor timeout, ms, restarted by each heartbeat; undefined for none. */
  readonly callMonitorMs: number | undefined;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  /** performance.now() past which the call fails with MessagingTimeout (a hard cap). */
  readonly deadline: number;
  monitor: NodeJS.Timeout | undefined;
  callMonitorMs: number | undefined;
  /** The remembered outcome of a legacy two-message reply. */
  outcome: { value: unknown } | { error: Error } | undefined;
}

const waiters = new WeakMap<Transport, ReplyWaiter>();

/** The shared waiter of `transport`, created on first use. */
export function replyWaiterFor(transport: Transport, logger: Logger): ReplyWaiter {
  let waiter = waiters.get(transport);
  if (!waiter) {
    waiter = new ReplyWaiter(transport, logger);
    waiters.set(transport, waiter);
  }
  return waiter;
}

/** Routes replies from the transport's one reply queue to pending calls. */
export class ReplyWaiter {
  readonly #transport: Transport;
  readonly #logger: Logger;
  readonly #pending = new Map<string, Pending>();
  #queue: Promise<string> | undefined;
  /** The queue name once declared: later calls need no promise to learn it. */
  #queueName: string | undefined;
  // One timer for every call's overall timeout, at the earliest deadline, instead of a timer
  // set and cleared per call. It holds the process open only while calls wait, as theirs did.
  #sweep: NodeJS.Timeout | undefined;
  #sweepAt = Number.POSITIVE_INFINITY;

  constructor(transport: Transport, logger: Logger) {
    this.#transport = transport;
    this.#logger = logger.child({ component: 'rpc-reply-waiter' });
    transport.on('disconnected', (error: unknown) => {
      this.failAll(
        new MessageDeliveryFailure('the transport lost its connection while the call was waiting for its reply', { cause: error }),
      );
    });
  }

  /** Number of calls waiting for a reply. */
  get pending(): number {
    return this.#pending.size;
  }

  /** The reply queue name; declared and consumed once, before the first call is published. */
  replyQueue(): Promise<string> {
    this.#queue ??= this.#transport
      .replyQueue((body) => this.#onReply(body))
      .then(
        (name) => (this.#queueName = name),
        (error: unknown) => {
          this.#queue = undefined;
          throw error;
        },
      );
    return this.#queue;
  }

  /** The reply queue name if it is declared already (the common case), else undefined. */
  get declaredQueue(): string | undefined {
    return this.#queueName;
  }

  /** Register a call; the promise settles with its result, failure or MessagingTimeout. */
  wait(msgId: string, options: WaitOptions): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      const deadline = performance.now() + options.timeoutMs;
      const entry: Pending = { resolve, reject, deadline, monitor: undefined, callMonitorMs: options.callMonitorMs, outcome: undefined };
      this.#pending.set(msgId, entry);
      if (deadline < this.#sweepAt) this.#armSweep(deadline);
      else if (this.#pending.size === 1) this.#sweep?.ref();
      if (options.callMonitorMs !== undefined) this.#restartMonitor(msgId, entry);
    });
  }

  #armSweep(at: number): void {
    if (this.#sweep) clearTimeout(this.#sweep);
    this.#sweepAt = at;
    this.#sweep = setTimeout(() => this.#expire(), Math.max(1, Math.ceil(at - performance.now())));
  }

  /** Fail the calls past their deadline; re-arm for the earliest one left. */
  #expire(): void {
    this.#sweep = undefined;
    this.#sweepAt = Number.POSITIVE_INFINITY;
    const now = performance.now();
    let next = Number.POSITIVE_INFINITY;
    for (const [msgId, entry] of this.#pending) {
      if (entry.deadline <= now)
        this.#settle(msgId, { error: new MessagingTimeout(`Timed out waiting for a reply to message ID ${msgId}`) });
      else if (entry.deadline < next) next = entry.deadline;
    }
    if (next !== Number.POSITIVE_INFINITY) this.#armSweep(next);
  }

  /** Fail one waiting call (its request could not be published); nothing if it is settled. */
  fail(msgId: string, error: Error): void {
    this.#settle(msgId, { error });
  }

  /** Fail every pending call at once. */
  failAll(error: Error): void {
    for (const msgId of [...this.#pending.keys()]) this.#settle(msgId, { error });
  }

  #restartMonitor(msgId: string, entry: Pending): void {
    if (entry.monitor) clearTimeout(entry.monitor);
    if (entry.callMonitorMs === undefined) return;
    entry.monitor = setTimeout(() => {
      this.#settle(msgId, {
        error: new MessagingTimeout(
          `Timed out waiting for a reply to message ID ${msgId}: no heartbeat from the server within the call monitor timeout`,
        ),
      });
    }, entry.callMonitorMs);
  }

  /** Settle and forget a call; `undefined` outcome just forgets it (the publish failed). */
  #settle(msgId: string, outcome: { value: unknown } | { error: Error } | undefined): void {
    const entry = this.#pending.get(msgId);
    if (!entry) return;
    this.#pending.delete(msgId);
    if (this.#pending.size === 0) this.#sweep?.unref();
    if (entry.monitor) clearTimeout(entry.monitor);
    if (!outcome) return;
    if ('error' in outcome) entry.reject(outcome.error);
    else entry.resolve(outcome.value);
  }

  #onReply(body: Buffer | string): void {
    const decoded = decodeEnvelope(body);
    if (!decoded.ok) {
      this.#logger.warn({ reason: decoded.reason }, 'malformed reply dropped');
      return;
    }
    const reply = decoded.message;
    const msgId = reply._msg_id;
    const entry = typeof msgId === 'string' ? this.#pending.get(msgId) : undefined;
    if (!entry || typeof msgId !== 'string') {
      this.#logger.debug({ msgId }, 'no call waiting for this reply (late reply or stray heartbeat); dropped');
      return;
    }
    // oslo's order: a failure wins, then a non-null result; a bare ending:false is a heartbeat.
    const failure = reply.failure;
    if (failure)
      entry.outcome = { error: typeof failure === 'string' ? deserializeFailure(failure) : deserializeFailure(JSON.stringify(failure)) };
    else if (reply.result !== null && reply.result !== undefined) entry.outcome = { value: reply.result };
    else if (reply.ending !== true) this.#restartMonitor(msgId, entry);
    if (reply.ending === true) this.#settle(msgId, entry.outcome ?? { value: null });
  }
}
