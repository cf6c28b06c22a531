/**
 * Publishes that wait for a queue. A call or cast is published mandatory; when the broker returns
 * it with 312 NO_ROUTE (no queue bound for its routing key: none declared yet, or a broker
 * restart deleted a non-durable queue and its servers have not declared it again), it is
 * published again with the reconnect backoff (kombu_reconnect_delay, then rabbit_retry_interval
 * + n × rabbit_retry_backoff up to rabbit_interval_max, jittered) until its bound: the call's
 * timeout, or rpc_cast_timeout for a cast. Then it fails with a MessageDeliveryFailure naming the
 * topic and the wait. The last attempt goes out a little before the bound, so that a call fails
 * with that error rather than with its own MessagingTimeout at the same moment.
 *
 * oslo publishes requests without mandatory (unless `at_least_once`): the broker confirms an
 * unroutable message and drops it, and a call ends in MessagingTimeout, a cast in nothing.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../../logging/logger.js';
import { ClosedError } from '../../../errors.js';
import { MessageDeliveryFailure } from '../../errors.js';
import { Unroutable } from './errors.js';
import { reconnectWaitMs, type ReconnectTiming } from './failover.js';

/** One publish that waits for a queue. */
export interface QueueWaitRequest {
  readonly kind: 'call' | 'cast';
  readonly topic: string;
  readonly exchange: string;
  readonly routingKey: string;
  /** When the publish began (Date.now()), and how long it may take in all. */
  readonly startedAt: number;
  readonly boundMs: number;
  /** Publish once more; `remainingMs` bounds the attempt (and a call's expiration). */
  readonly attempt: (remainingMs: number) => Promise<void>;
}

/** How often a log line of one level is written per kind and routing key: the first, then one per interval. */
const LOG_INTERVAL_MS = 10_000;

/** How long before its bound the last attempt goes out: 2 % of the bound, within 20..500 ms. */
export function finalMarginMs(boundMs: number): number {
  return Math.min(500, Math.max(20, boundMs * 0.02));
}

export class QueueWait {
  readonly #timing: ReconnectTiming;
  readonly #logger: Logger;
  readonly #signal: AbortSignal;
  /** When each (level, routing key) was last logged, and how many were left out since. */
  readonly #logged = new Map<string, { at: number; suppressed: number }>();

  constructor(timing: ReconnectTiming, logger: Logger, signal: AbortSignal) {
    this.#timing = timing;
    this.#logger = logger;
    this.#signal = signal;
  }

  /**
   * `first` is the first attempt's failure. Unless it is a NO_ROUTE return, it is thrown as it
   * is; otherwise the publish is retried until it is routed (resolves) or the bound passes.
   */
  async retry(first: unknown, request: QueueWaitRequest): Promise<void> {
    let failure = first;
    let returns = 0;
    for (let attempt = 0; ; attempt++) {
      if (!(failure instanceof Unroutable && failure.noRoute)) throw failure;
      returns++;
      const margin = finalMarginMs(request.boundMs);
      const remaining = request.startedAt + request.boundMs - Date.now();
      if (remaining <= margin) throw this.#givenUp(request, returns, failure);
      if (returns === 1) {
        this.#throttled(
          'warn',
          request,
          { topic: request.topic, routingKey: request.routingKey, waitMs: Math.round(remaining) },
          `no queue is bound for topic "${request.topic}" yet; publishing again with backoff`,
        );
      }
      const waitMs = Math.min(reconnectWaitMs(this.#timing, attempt, 1), remaining - margin);
      try {
        await sleep(waitMs, undefined, { signal: this.#signal });
      } catch {
        throw new ClosedError('AMQP transport');
      }
      try {
        await request.attempt(Math.max(1, request.startedAt + request.boundMs - Date.now()));
        return;
      } catch (error) {
        failure = error;
      }
    }
  }

  #givenUp(request: QueueWaitRequest, returns: number, last: Unroutable): MessageDeliveryFailure {
    const waited = ((Date.now() - request.startedAt) / 1000).toFixed(1);
    const bound = `${request.kind === 'call' ? "the call's timeout" : 'rpc_cast_timeout'} of ${Number((request.boundMs / 1000).toFixed(3))} s`;
    const message =
      `no queue took the ${request.kind} to topic "${request.topic}" within ${bound} (waited ${waited} s): ` +
      `exchange "${request.exchange}", routing key "${request.routingKey}", returned ${returns} time${returns === 1 ? '' : 's'} (${last.replyCode} ${last.replyText})`;
    this.#throttled(
      'error',
      request,
      { topic: request.topic, routingKey: request.routingKey, waitedMs: Date.now() - request.startedAt, returns },
      `a ${request.kind} found no queue within its bound; failed it`,
    );
    return new MessageDeliveryFailure(message, { cause: last });
  }

  #throttled(level: 'warn' | 'error', request: QueueWaitRequest, fields: Record<string, unknown>, message: string): void {
    const key = `${level}\0${request.kind}\0${request.exchange}\0${request.routingKey}`;
    const now = Date.now();
    const state = this.#logged.get(key);
    if (state && now - state.at < LOG_INTERVAL_MS) {
      state.suppressed++;
      return;
    }
    if (this.#logged.size >= 1024) this.#logged.clear();
    this.#logged.set(key, { at: now, suppressed: 0 });
    this.#logger[level]({ ...fields, suppressed: state?.suppressed ?? 0 }, message);
  }
}
