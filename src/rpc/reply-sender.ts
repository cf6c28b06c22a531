/**
 * Server side of replies (docs/protocol/wire-format.md, "Replies"): publish to the caller's reply queue; when
 * the queue is missing, retry every 250 ms for `kombu_missing_consumer_retry_timeout`, then give
 * up and remember the queue as obsolete (200 entries, 60 s) so that later replies to a dead
 * client are dropped at once instead of stalling the server.
 *
 * A peer sending calls with a fresh random `_reply_q` each would start a 60 s retry per call
 * (240 mandatory publishes each; issue 14, item 7): at most `maxRetrying` replies (the
 * executor's size) retry at once, and a new one drops the oldest, with a log line.
 */
import { setMaxListeners } from 'node:events';
import type { Logger } from '../logging/logger.js';
import { MessageDeliveryFailure } from './errors.js';
import type { Transport } from './transports/transport.js';

const RETRY_INTERVAL_MS = 250;
const OBSOLETE_MAX = 200;
const OBSOLETE_TTL_MS = 60_000;

export interface ReplySenderOptions {
  readonly transport: Transport;
  readonly logger: Logger;
  /** How long a reply retries a missing reply queue, in ms (oslo: 60 s). */
  readonly missingConsumerRetryMs: number;
  /** Most replies retrying a missing queue at once; the oldest is dropped for a new one. */
  readonly maxRetrying: number;
}

/** A reply that is retrying; `drop()` ends its retries at its next wake-up. */
interface Retrying {
  readonly replyQueue: string;
  dropped: boolean;
  wake: (() => void) | undefined;
}

/** Publishes replies with oslo's retry rules; `close()` abandons retries still running. */
export class ReplySender {
  readonly #options: ReplySenderOptions;
  readonly #obsolete = new Map<string, number>();
  readonly #abort = new AbortController();
  /** Sends not finished yet, and who waits for that count to reach 0 (settled()). */
  #inProgress = 0;
  readonly #idle: Array<() => void> = [];
  /** In the order they started retrying: the first is the oldest. */
  readonly #retrying = new Set<Retrying>();
  #droppedRetries = 0;

  constructor(options: ReplySenderOptions) {
    this.#options = options;
    // Every reply retrying a missing queue listens for close() until its next attempt, then
    // removes its listener: many at once during a burst are not a leak.
    setMaxListeners(0, this.#abort.signal);
  }

  #isObsolete(queue: string): boolean {
    const until = this.#obsolete.get(queue);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.#obsolete.delete(queue);
    return false;
  }

  #markObsolete(queue: string): void {
    this.#obsolete.delete(queue);
    this.#obsolete.set(queue, Date.now() + OBSOLETE_TTL_MS);
    // Maps keep insertion order: the first key is the oldest.
    while (this.#obsolete.size > OBSOLETE_MAX) this.#obsolete.delete(this.#obsolete.keys().next().value!);
  }

  /**
   * Send one reply. `retry` false (heartbeats) makes one attempt. Resolves true when the broker
   * took it, false when it was given up (logged); never rejects.
   */
  send(replyQueue: string, body: string, retry: boolean): Promise<boolean> {
    // Counted rather than kept in a set with a finally each: one promise per reply, not three.
    this.#inProgress++;
    if (this.#obsolete.size > 0) return this.#send(replyQueue, body, retry, undefined);
    // Nearly every reply: no obsolete queue to check, taken at the first attempt. One handler on
    // the publish, without the retry loop's async frame; a failure goes on in that loop.
    let first: Promise<void>;
    try {
      first = this.#options.transport.publishReply(replyQueue, body);
    } catch (error) {
      first = Promise.reject(error);
    }
    return first.then(this.#sentAtOnce, (error: unknown) => this.#send(replyQueue, body, retry, { error }));
  }

  readonly #sentAtOnce = (): boolean => {
    this.#finished();
    return true;
  };

  #finished(): void {
    if (--this.#inProgress === 0) for (const wake of this.#idle.splice(0)) wake();
  }

  /** The retry loop; `failed` is the first attempt's failure when send() made that attempt. */
  async #send(replyQueue: string, body: string, retry: boolean, failed: { error: unknown } | undefined): Promise<boolean> {
    const { transport, logger, missingConsumerRetryMs } = this.#options;
    let retrying: Retrying | undefined;
    try {
      if (!failed && this.#isObsolete(replyQueue)) {
        logger.warn({ replyQueue }, 'reply queue is obsolete (its client is gone); reply dropped');
        return false;
      }
      const deadline = Date.now() + missingConsumerRetryMs;
      const signal = this.#abort.signal;
      for (;;) {
        try {
          if (failed) throw failed.error;
          await transport.publishReply(replyQueue, body);
          return true;
        } catch (error) {
          failed = undefined;
          const missing = error instanceof MessageDeliveryFailure;
          if (retrying?.dropped) return false;
          if (!retry || !missing || signal.aborted || Date.now() >= deadline) {
            if (retry && missing) this.#markObsolete(replyQueue);
            logger.warn({ replyQueue, err: error }, missing ? 'reply queue is missing; reply dropped' : 'reply could not be sent');
            return false;
          }
        }
        retrying ??= this.#startRetrying(replyQueue);
        await this.#pause(Math.min(RETRY_INTERVAL_MS, Math.max(0, deadline - Date.now())), retrying);
        if (retrying.dropped) return false;
      }
    } finally {
      if (retrying) this.#retrying.delete(retrying);
      this.#finished();
    }
  }

  /** Count a reply among the retrying ones; beyond maxRetrying the oldest is dropped. */
  #startRetrying(replyQueue: string): Retrying {
    const entry: Retrying = { replyQueue, dropped: false, wake: undefined };
    if (this.#retrying.size >= this.#options.maxRetrying) {
      const oldest = this.#retrying.values().next().value!;
      this.#retrying.delete(oldest);
      oldest.dropped = true;
      oldest.wake?.();
      this.#droppedRetries++;
      this.#options.logger.warn(
        { replyQueue: oldest.replyQueue, max_retrying: this.#options.maxRetrying, dropped_total: this.#droppedRetries },
        'too many replies waiting for missing reply queues; the oldest was dropped',
      );
    }
    this.#retrying.add(entry);
    return entry;
  }

  /** Wait `ms`, or less when close() is called or the reply is dropped. */
  #pause(ms: number, retrying: Retrying): Promise<void> {
    const signal = this.#abort.signal;
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        retrying.wake = undefined;
        resolve();
      }
      retrying.wake = done;
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Replies retrying a missing queue right now, and how many were dropped for newer ones. */
  get retryStats(): { retrying: number; dropped: number } {
    return { retrying: this.#retrying.size, dropped: this.#droppedRetries };
  }

  /** Stop retrying a missing reply queue: each pending send makes at most one more attempt. */
  close(): void {
    this.#abort.abort();
  }

  /** Resolves when every send started so far has finished or given up. */
  settled(): Promise<void> {
    if (this.#inProgress === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }
}
