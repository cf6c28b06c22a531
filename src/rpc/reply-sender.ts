/**
 * Server side of replies (docs/protocol/wire-format.md, "Replies"): publish to the caller's reply queue; when
 * the queue is missing, retry every 250 ms for `kombu_missing_consumer_retry_timeout`, then give
 * up and remember the queue as obsolete (200 entries, 60 s) so that later replies to a dead
 * client are dropped at once instead of stalling the server.
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
}

/** Publishes replies with oslo's retry rules; `close()` abandons retries still running. */
export class ReplySender {
  readonly #options: ReplySenderOptions;
  readonly #obsolete = new Map<string, number>();
  readonly #abort = new AbortController();
  readonly #inProgress = new Set<Promise<boolean>>();

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
    const sending = this.#send(replyQueue, body, retry);
    this.#inProgress.add(sending);
    void sending.finally(() => this.#inProgress.delete(sending));
    return sending;
  }

  async #send(replyQueue: string, body: string, retry: boolean): Promise<boolean> {
    const { transport, logger, missingConsumerRetryMs } = this.#options;
    if (this.#isObsolete(replyQueue)) {
      logger.warn({ replyQueue }, 'reply queue is obsolete (its client is gone); reply dropped');
      return false;
    }
    const deadline = Date.now() + missingConsumerRetryMs;
    const signal = this.#abort.signal;
    for (;;) {
      try {
        await transport.publishReply(replyQueue, body);
        return true;
      } catch (error) {
        const missing = error instanceof MessageDeliveryFailure;
        if (!retry || !missing || signal.aborted || Date.now() >= deadline) {
          if (retry && missing) this.#markObsolete(replyQueue);
          logger.warn({ replyQueue, err: error }, missing ? 'reply queue is missing; reply dropped' : 'reply could not be sent');
          return false;
        }
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(RETRY_INTERVAL_MS, Math.max(0, deadline - Date.now())));
        function done(): void {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          resolve();
        }
        signal.addEventListener('abort', done, { once: true });
      });
    }
  }

  /** Stop retrying a missing reply queue: each pending send makes at most one more attempt. */
  close(): void {
    this.#abort.abort();
  }

  /** Resolves when every send started so far has finished or given up. */
  async settled(): Promise<void> {
    while (this.#inProgress.size > 0) await Promise.all(this.#inProgress);
  }
}
